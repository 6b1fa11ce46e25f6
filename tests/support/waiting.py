"""Waiting for something that happens in another thread, without fixed sleeps."""

import time


def wait_for(condition, timeout: float = 20.0, interval: float = 0.02):
    """Poll until condition() is truthy and return its value; fail the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout}s for {getattr(condition, '__name__', condition)}")
        time.sleep(interval)


def stays(condition, seconds: float = 0.5, interval: float = 0.05) -> bool:
    """Tell whether condition() keeps holding for a while (for checking that nothing more happens)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not condition():
            return False
        time.sleep(interval)
    return True
