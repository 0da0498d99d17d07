"""The signature on each line of ``gradlab check``'s report (shared by the checker and
its pytest plugin; imports nothing but the standard library).

The notebook under test can write any file its user can, so a report line counts
only when it carries ``sig`` = HMAC-SHA256 of the record under the run's key, which
the checker hands the pytest process on an inherited pipe named by
:data:`KEY_FD_ENV` (read and closed before any kernel starts)."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Dict

KEY_FD_ENV = "GRADLAB_CHECK_KEY_FD"


def signature(key: bytes, record: Dict[str, Any]) -> str:
    """HMAC-SHA256 (hex) of ``record`` without its ``sig``, keys sorted."""
    body = json.dumps({k: v for k, v in record.items() if k != "sig"}, sort_keys=True)
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()
