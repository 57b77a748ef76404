"""Where Django's admin autodiscovery looks (`<app>.admin`). Each feature registers its own
admins in its folder; importing them is all this module does."""

import compliance.cases.admin  # noqa: F401
import compliance.lists.admin  # noqa: F401
import compliance.monitoring.admin  # noqa: F401
import compliance.screening.admin  # noqa: F401
