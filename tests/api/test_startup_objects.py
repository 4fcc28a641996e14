"""The API server's start-up objects are left out of garbage collection (issue 15.4: full collections over them
stalled every request of a worker for 130-580 ms); what requests create later is still collected."""

from __future__ import annotations

import gc
import sys
import weakref

from workbench.api.app import create_api


def test_create_api_freezes_the_start_up_objects_with_the_hot_path_modules_loaded(settings):
    create_api(settings)
    assert gc.get_freeze_count() > 10_000
    assert {"workbench.engine.app.sessions", "workbench.engine.app.datasets"} <= set(sys.modules)


def test_garbage_made_after_start_is_still_collected(settings):
    create_api(settings)

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
