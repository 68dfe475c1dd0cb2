"""`htag nginx-conf`: the file nginx accepts as it is (`nginx -t`), with the settings htag needs."""

from __future__ import annotations

import subprocess
import sys

from scale_support import nginx_binary


def nginx_conf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "htag", "nginx-conf", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_generated_file_passes_nginx_t_unprivileged(tmp_path):
    done = nginx_conf("--procs", "4", "--port", "9001", "--listen", "127.0.0.1:9000")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for port in (9001, 9002, 9003, 9004):
        assert f"server 127.0.0.1:{port} max_fails=0;" in text
    assert "server 127.0.0.1:9005" not in text
    assert "proxy_set_header Host $http_host;" in text and "Host $host;" not in text
    assert "proxy_next_upstream error timeout http_503;" in text  # a draining process's 503: the next one
    assert "hash $htag_route consistent;" in text and "listen 127.0.0.1:9000;" in text
    conf = tmp_path / "htag.conf"
    conf.write_text(text)
    checked = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr  # no root needed, nothing outside the prefix
    assert "test is successful" in checked.stderr


def test_bad_counts_are_refused():
    for args in (("--procs", "0", "--port", "9000"), ("--procs", "2", "--port", "65535")):
        done = nginx_conf(*args)
        assert done.returncode == 2 and "--procs must be 1 or more" in done.stderr
        assert done.stdout == ""
