"""Mailpit's stand-in in the local topology: an SMTP server that keeps every message in a Maildir.

Run as a program (``python mail_catcher.py 127.0.0.1:PORT MAILDIR``), it stops on SIGTERM and exits 0,
as Mailpit's container does when compose stops it.
"""

import signal
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def main(address: str, maildir: str) -> None:
    """Catch mail on the address until SIGTERM or SIGINT."""
    host, port = address.rsplit(":", 1)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    controller = Controller(Mailbox(maildir), hostname=host, port=int(port))
    controller.start()
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
