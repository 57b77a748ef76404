import pytest

from fintech.models import AuditEvent
from fintech.truncation import truncate_to_field
from payments.models import Refund


def test_text_is_cut_to_the_fields_own_max_length():
    limit = Refund._meta.get_field("reason").max_length

    assert truncate_to_field(Refund, "reason", "x" * (limit + 5)) == "x" * limit
    assert truncate_to_field(Refund, "reason", "short") == "short"


def test_a_field_without_max_length_is_refused_rather_than_left_unbounded():
    with pytest.raises(ValueError, match="no max_length"):
        truncate_to_field(AuditEvent, "before", "{}")
