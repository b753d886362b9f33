"""The long-work contract (core/progress.py): one report shape, one token, one message."""

import threading

import pytest

from khdesk.core.errors import Cancelled, KhdeskError
from khdesk.core.progress import CancelToken, Progress, step


def test_step_reports_then_a_cancel_from_another_thread_stops_the_next_step():
    seen: list[Progress] = []
    token = CancelToken()
    step(seen.append, token, 1, 3, "trang 1")
    assert seen == [Progress(1, 3, "trang 1")]
    pressed = threading.Thread(target=token.cancel)  # the UI thread presses "Hủy"
    pressed.start()
    pressed.join()
    assert token.cancelled
    with pytest.raises(Cancelled) as caught:
        step(seen.append, token, 2, 3, "trang 2")
    assert len(seen) == 1  # a cancelled step reports nothing
    assert isinstance(caught.value, KhdeskError) and caught.value.exit_code == 1
    assert caught.value.message == "Đã hủy theo yêu cầu. Không có gì thay đổi."


def test_no_token_never_cancels():
    seen: list[Progress] = []
    step(seen.append, None, 0, 0)
    assert seen == [Progress(0, 0, "")]
