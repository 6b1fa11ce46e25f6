"""The containers' health check: `python -m coop.probe URL` exits 0 only for a 2xx answer."""

import http.server
import threading

import pytest

from coop.probe import main


@pytest.fixture
def server():
    """A loopback server that answers /up with 200 and anything else with 503."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/up" else 503)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_a_2xx_answer_is_healthy(server):
    assert main([f"{server}/up"]) == 0


def test_an_error_answer_is_unhealthy(server, capsys):
    assert main([f"{server}/down"]) == 1
    assert "answered 503" in capsys.readouterr().err


def test_no_answer_at_all_is_unhealthy(capsys):
    assert main(["http://127.0.0.1:9/"]) == 1
    assert "does not answer" in capsys.readouterr().err


def test_it_needs_exactly_one_url():
    assert main([]) == 2
