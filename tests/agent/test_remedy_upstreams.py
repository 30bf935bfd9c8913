"""A proxy's 502: the upstream its log names, and paths that are only the tail of a URL.

End to end (nginx in front of a unix-socket app whose socket directory is read-only, the app
repaired first, then the proxy verified through HTTP) the blind5 fault set runs it:
tests/test_scenarios_blind5.py (``b5_socket_dir_readonly``).
"""

from __future__ import annotations

from shturman.agent.remedies.evidence import paths_in
from shturman.agent.remedies.upstreams import upstream_of

NGINX_UNIX = (
    '2026/12/03 14:26:23 [crit] 1090#1090: *5 connect() to unix:/srv/shop/shared/sockets/'
    'shop.sock failed (2: No such file or directory) while connecting to upstream, client: '
    '127.0.0.1, server: shop.internal, request: "GET /health HTTP/1.1", upstream: '
    '"http://unix:/srv/shop/shared/sockets/shop.sock:/health", host: "127.0.0.1:8455"'
)
NGINX_TCP = (
    "2026/12/03 14:26:23 [error] 77#77: *1 connect() failed (111: Connection refused) while "
    'connecting to upstream, client: 127.0.0.1, server: _, request: "GET / HTTP/1.1", '
    'upstream: "http://127.0.0.1:8081/", host: "localhost"'
)
APACHE = ("[proxy:error] [pid 9] (111)Connection refused: AH00957: HTTP: attempt to connect to "
          "127.0.0.1:9000 (127.0.0.1) failed; AH01114: HTTP: failed to make connection to "
          "backend: 127.0.0.1:9000")


def test_the_upstream_a_proxy_could_not_reach_is_read_from_its_log() -> None:
    assert upstream_of(NGINX_UNIX) == ("/srv/shop/shared/sockets/shop.sock", None)
    assert upstream_of(NGINX_TCP) == (None, 8081)
    assert upstream_of(APACHE) == (None, 9000)
    assert upstream_of("\n".join([NGINX_TCP, NGINX_UNIX])) == (
        "/srv/shop/shared/sockets/shop.sock", None)  # the newest line decides
    assert upstream_of("nginx: [emerg] unknown directive \"lisen\"") == (None, None)
    # a remote upstream is not ours to start
    assert upstream_of('upstream: "http://10.0.0.7:8081/", host: "x"') == (None, None)


def test_a_urls_tail_is_not_a_missing_path() -> None:
    """``http://unix:/…sock:/health`` once became a `mkdir -p //unix:/…` attempt."""
    assert paths_in(NGINX_UNIX) == ["/srv/shop/shared/sockets/shop.sock"]
    assert paths_in("open() \"/var/www/html/index.html\" failed (2: No such file)") == [
        "/var/www/html/index.html"]
