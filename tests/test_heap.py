"""Objects that live as long as the window are left out of later garbage collections;
threads hand the GIL to the window's thread quickly."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from exodesk.app import GIL_SWITCH_INTERVAL_S, settle_heap, share_the_gil


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the suite collects as usual


def test_settled_objects_are_not_walked_by_later_collections(unfrozen_afterwards: None) -> None:
    long_lived = {"window": ["and", "its", "wrappers"]}
    settle_heap()
    later = {"made": ["after", "start-up"]}
    tracked = {id(obj) for obj in gc.get_objects()}  # what a full collection walks
    assert gc.get_freeze_count() > 0
    assert id(long_lived) not in tracked and id(later) in tracked


def test_threads_hand_over_the_gil_within_a_millisecond() -> None:
    default = sys.getswitchinterval()
    try:
        share_the_gil()
        assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_INTERVAL_S)
        assert sys.getswitchinterval() < default
    finally:
        sys.setswitchinterval(default)
