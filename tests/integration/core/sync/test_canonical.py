"""The strict JSON reader refuses decomposed text however it is written."""

import pytest

from khdesk.core.sync.canonical import JSONRefused, loads


def test_nfc_text_is_read():
    assert loads('{"ten":"Nguyễn Đức"}'.encode()) == {"ten": "Nguyễn Đức"}


@pytest.mark.parametrize(
    "raw",
    [
        '{"ten":"Nguye\u0302\u0303n"}'.encode(),  # decomposed, written as is
        b'{"ten":"Nguye\\u0302\\u0303n"}',  # decomposed, hidden in escapes
        '{"Te\u0302n":"x"}'.encode(),  # in a key
    ],
)
def test_decomposed_text_is_refused(raw):
    with pytest.raises(JSONRefused, match="NFC"):
        loads(raw)


def test_escaped_but_composed_text_is_read():
    assert loads(b'{"ten":"\\u00c1nh"}') == {"ten": "Ánh"}
