"""Building the screening index in a request thread leaves the garbage collector alone:
freezing there would undo the start-up freeze's scope and freeze other threads'
half-finished requests."""

from __future__ import annotations

import gc
import threading

from compliance.screening.index import cached_index, name_index_from_entries


def test_building_the_index_in_a_thread_neither_freezes_nor_unfreezes(full_sdn_entries):
    before = gc.get_freeze_count()
    built = []
    thread = threading.Thread(
        target=lambda: built.append(
            cached_index(
                (987654,),
                lambda: name_index_from_entries(full_sdn_entries[:200], list_code="OFAC_SDN", snapshot_id=987654),
            )
        )
    )
    thread.start()
    thread.join(60)
    assert built and len(built[0]) > 0
    assert gc.get_freeze_count() == before
