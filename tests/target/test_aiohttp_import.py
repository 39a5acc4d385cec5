"""aiohttp is imported without loading the system's CA bundle for its unused default contexts.

Loading the bundle twice cost ~50 ms of CPU per process; evalgate passes its own context (or
``ssl=False``) to every request, and the TLS tests in test_transports.py check that https is
still verified against the bundle and ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# counts the system's CA bundle loads (ssl.SSLContext.set_default_verify_paths) while
# evalgate.target.aio is imported, then after it in this thread and in another one
PROBE = """
import json, ssl, sys, threading
calls = []
real = ssl.SSLContext.set_default_verify_paths
def counting(self):
    calls.append(threading.current_thread().name)
    return real(self)
ssl.SSLContext.set_default_verify_paths = counting
assert "aiohttp" not in sys.modules
import evalgate.target.aio
import aiohttp.connector as c
during = len(calls)
ssl.create_default_context()
after = len(calls)
t = threading.Thread(target=ssl.create_default_context, name="other")
t.start(); t.join()
verified = getattr(c, "_SSL_CONTEXT_VERIFIED", None)
print(json.dumps({
    "during": during, "after": after - during, "other": calls[after:],
    "restored": ssl.SSLContext.set_default_verify_paths is counting,
    "ca": verified.cert_store_stats()["x509_ca"] if verified is not None else 0,
    "required": verified is None or verified.verify_mode == ssl.CERT_REQUIRED,
}))
"""


def test_importing_the_transport_loads_no_ca_bundle_and_restores_ssl() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["during"] == 0  # aiohttp's two default contexts loaded nothing
    assert out["after"] == 1  # a context made afterwards loads the bundle again
    assert out["other"] == ["other"]  # and in any other thread
    assert out["restored"]
    # aiohttp's own verified default trusts no CA: it fails closed if ever used
    assert out["ca"] == 0 and out["required"]
