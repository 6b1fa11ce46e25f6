"""Mail handed to a real SMTP server (aiosmtpd on a loopback port): taken, refused for good, put off, or unreachable."""

import socket

import pytest

from shared.mail import Email, MailRefused, SmtpMailer
from tests.support.smtp import SmtpServer, free_port, smtp_server

# The login tests' server takes AUTH over plain SMTP on loopback; aiosmtpd warns of that, rightly elsewhere.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SENDER = "Co-op Back Office <noreply@coop.example>"


@pytest.fixture
def smtp():
    yield from smtp_server()


def an_email(**changes) -> Email:
    fields = {"to": "Zoë Adeyemi <zoe@example.org>", "subject": "A vote is open: Café supplies",
              "text": "Hello Zoë,\nvoting is open until Friday.\n", "html": "<p>Hello Zoë,</p><p>voting is open.</p>",
              "headers": {"List-Unsubscribe": "<https://coop.example/unsubscribe/t0k3n>",
                          "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}}
    return Email(**(fields | changes))


def test_a_mail_arrives_with_both_parts_and_its_headers(smtp):
    SmtpMailer(smtp.url, SENDER).send(an_email(), "notice-1")
    [message] = smtp.messages
    assert message["Message-ID"] == "<notice-1@coop.example>"
    assert message["Subject"] == "A vote is open: Café supplies"
    assert message["To"] == "Zoë Adeyemi <zoe@example.org>" and message["From"] == SENDER
    assert message["List-Unsubscribe"] == "<https://coop.example/unsubscribe/t0k3n>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(("plain",)).get_content() == "Hello Zoë,\nvoting is open until Friday.\n"
    assert message.get_body(("html",)).get_content().strip() == "<p>Hello Zoë,</p><p>voting is open.</p>"


def test_the_mail_goes_to_its_addressee_and_nobody_else(smtp):
    SmtpMailer(smtp.url, SENDER).send(an_email(), "notice-1")
    assert [(envelope.mail_from, envelope.rcpt_tos) for envelope in smtp.envelopes] == [
        ("noreply@coop.example", ("zoe@example.org",))]
    assert len(smtp.to("zoe@example.org")) == 1


@pytest.mark.parametrize("at", ["RCPT", "DATA"])
def test_a_550_is_refused_for_good(smtp, at):
    smtp.refuse(550, at=at)
    with pytest.raises(MailRefused, match="550") as raised:
        SmtpMailer(smtp.url, SENDER).send(an_email(), "notice-1")
    assert raised.value.permanent is True
    assert smtp.messages == []


@pytest.mark.parametrize("at", ["RCPT", "DATA"])
def test_a_451_is_put_off_and_the_mail_goes_when_tried_again(smtp, at):
    smtp.refuse(451, at=at)
    mailer = SmtpMailer(smtp.url, SENDER)
    with pytest.raises(MailRefused, match="451") as raised:
        mailer.send(an_email(), "notice-1")
    assert raised.value.permanent is False
    mailer.send(an_email(), "notice-1")
    assert [message["Message-ID"] for message in smtp.messages] == ["<notice-1@coop.example>"]


def test_the_server_refuses_only_as_many_mails_as_it_was_told(smtp):
    smtp.refuse(451, count=2)
    mailer = SmtpMailer(smtp.url, SENDER)
    outcomes = []
    for number in range(3):
        try:
            mailer.send(an_email(), f"notice-{number}")
            outcomes.append("sent")
        except MailRefused:
            outcomes.append("refused")
    assert outcomes == ["refused", "refused", "sent"]


def test_nothing_listening_on_the_port_is_put_off():
    with pytest.raises(MailRefused) as raised:
        SmtpMailer(f"smtp://127.0.0.1:{free_port()}", SENDER, timeout=2).send(an_email(), "notice-1")
    assert raised.value.permanent is False


def test_a_server_that_never_answers_is_put_off_after_the_timeout():
    with socket.socket() as silent:  # takes the connection (the kernel does) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(MailRefused, match="timed out") as raised:
            SmtpMailer(f"smtp://127.0.0.1:{silent.getsockname()[1]}", SENDER, timeout=0.3).send(an_email(), "n-1")
    assert raised.value.permanent is False


def test_a_server_down_then_up_takes_the_mail_on_the_same_url(smtp):
    mailer = SmtpMailer(smtp.url, SENDER, timeout=2)
    smtp.stop()
    with pytest.raises(MailRefused) as raised:
        mailer.send(an_email(), "notice-1")
    assert raised.value.permanent is False
    smtp.start()
    mailer.send(an_email(), "notice-1")
    assert len(smtp.wait_for(1)) == 1


def test_the_login_in_the_url_is_sent():
    with SmtpServer(users={"relay-user": "pa:ss@word"}) as smtp:
        url = f"smtp://relay-user:pa%3Ass%40word@127.0.0.1:{smtp.port}"
        SmtpMailer(url, SENDER).send(an_email(), "notice-1")
        assert smtp.logins == ["relay-user"] and len(smtp.messages) == 1


def test_a_wrong_login_is_put_off_not_refused_for_good():
    with SmtpServer(users={"relay-user": "right"}) as smtp:
        with pytest.raises(MailRefused, match="535") as raised:
            SmtpMailer(f"smtp://relay-user:wrong@127.0.0.1:{smtp.port}", SENDER).send(an_email(), "notice-1")
        assert raised.value.permanent is False and "wrong" not in str(raised.value)
        assert smtp.messages == []


def test_no_login_where_one_is_required_is_put_off_not_refused_for_good():
    with SmtpServer(users={"relay-user": "right"}) as smtp:
        with pytest.raises(MailRefused, match="530") as raised:
            SmtpMailer(f"smtp://127.0.0.1:{smtp.port}", SENDER).send(an_email(), "notice-1")
        assert raised.value.permanent is False


def test_starttls_that_the_server_does_not_offer_is_put_off(smtp):
    with pytest.raises(MailRefused, match="STARTTLS") as raised:
        SmtpMailer(f"smtp://127.0.0.1:{smtp.port}?starttls=1", SENDER).send(an_email(), "notice-1")
    assert raised.value.permanent is False and smtp.messages == []


def test_starttls_then_the_login_then_the_mail():
    with SmtpServer(users={"relay-user": "secret"}, tls="starttls") as smtp:
        SmtpMailer(smtp.url, SENDER, tls=smtp.client_tls).send(an_email(), "notice-1")
        assert smtp.logins == ["relay-user"] and len(smtp.messages) == 1


def test_smtps_is_tls_from_the_start():
    with SmtpServer(tls="smtps") as smtp:
        assert smtp.url.startswith("smtps://")
        SmtpMailer(smtp.url, SENDER, tls=smtp.client_tls).send(an_email(), "notice-1")
        assert len(smtp.messages) == 1


def test_a_certificate_nobody_vouches_for_is_put_off_and_nothing_is_sent():
    with SmtpServer(users={"relay-user": "secret"}, tls="starttls") as smtp:
        with pytest.raises(MailRefused, match="certificate") as raised:
            SmtpMailer(smtp.url, SENDER).send(an_email(), "notice-1")
        assert raised.value.permanent is False and smtp.logins == [] and smtp.messages == []
