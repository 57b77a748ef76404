"""Where Django loads the app's models from. Each feature defines its models in its own folder;
they keep the `compliance` app label and their tables (no migration moved anything). Code
imports a model from its feature (`compliance.monitoring.models`), never from here."""

import compliance.cases.models  # noqa: F401
import compliance.lists.models  # noqa: F401
import compliance.monitoring.models  # noqa: F401
import compliance.screening.models  # noqa: F401
