"""A freed slot goes to the request that has waited longest (`core.requestslots.Slots`): a thread
that frees one and asks again at once, as a request thread taking its next request does, queues
behind those already waiting instead of taking it back (with a plain semaphore it did, and
requests behind it waited for as long as the crowd lasted)."""

from __future__ import annotations

import threading
import time

from envol.core.requestslots import Slots


def _wait_for(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_a_freed_slot_goes_to_the_longest_waiter_not_back_to_its_holder() -> None:
    slots = Slots(1)
    order: list[str] = []
    slots.acquire()  # the busy thread, serving its request

    def request(name: str) -> None:
        with slots.running():
            order.append(name)

    waiting = [threading.Thread(target=request, args=(f"waited {n}",)) for n in range(3)]
    for n, thread in enumerate(waiting):
        thread.start()
        _wait_for(lambda n=n: len(slots._waiters) == n + 1)  # each queued before the next comes
    slots.release()  # its request ends; it takes the next one from the queue at once
    request("the busy thread again")
    for thread in waiting:
        thread.join(5)
    assert order == ["waited 0", "waited 1", "waited 2", "the busy thread again"]


def test_slots_free_when_nobody_waits_are_taken_at_once() -> None:
    slots = Slots(2)
    slots.acquire()
    slots.acquire()
    assert slots._free == 0
    slots.release()
    slots.release()
    assert slots._free == 2
    assert not slots._waiters
