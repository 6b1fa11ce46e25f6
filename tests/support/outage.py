"""Making the broker unreachable: a loopback proxy in front of RabbitMQ, or a refusing connect."""

from __future__ import annotations

from urllib.parse import urlsplit

from shared import bus
from tests.support.proxy import TcpProxy


class BrokerSwitch:
    """Sits between the services and the broker; down() cuts them off, up() lets them back in."""

    def __init__(self, settings, backend):
        self.reachable = True
        self.proxy = None
        self.settings = settings
        if backend.is_real:
            url = urlsplit(settings.broker_url)
            self.proxy = TcpProxy(url.hostname, url.port or 5672).up()
            self.settings = settings.replace(
                broker_url=url._replace(netloc=f"{url.username}:{url.password}@127.0.0.1:{self.proxy.port}").geturl()
            )

    def connect(self, settings):
        """Open a broker connection, or fail as an unreachable broker does (embedded broker)."""
        if not self.reachable:
            raise ConnectionRefusedError("the broker is down (test)")
        return bus.connect(settings)

    def down(self) -> None:
        self.reachable = False
        if self.proxy:
            self.proxy.down()

    def up(self) -> None:
        self.reachable = True
        if self.proxy:
            self.proxy.up()

    def close(self) -> None:
        if self.proxy and self.reachable:
            self.proxy.down()
