"""The message every mailer sends, the SMTP URL setting read, and the mail written as a file."""

import datetime as dt
import email
import email.policy
import os

import pytest

from shared.mail import Email, FileMailbox, MailRefused, SmtpMailer, build_message, mailer_from_url, parse_smtp_url

SENDER = "Co-op Back Office <noreply@coop.example>"
UNSUBSCRIBE = {"List-Unsubscribe": "<https://coop.example/unsubscribe/abc>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def an_email(**changes) -> Email:
    fields = {"to": "Zoë Adeyemi <zoe@example.org>", "subject": "Your order is ready",
              "text": "Hello Zoë,\nyour order is ready.\n", "html": "<p>Hello Zoë,</p><p>your order is ready.</p>",
              "headers": dict(UNSUBSCRIBE)}
    return Email(**(fields | changes))


def parsed(message) -> email.message.EmailMessage:
    """Read the message back as a receiver would."""
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def test_a_message_with_html_has_a_plain_text_part_and_an_html_part():
    message = parsed(build_message(an_email(), SENDER, "m-1"))
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message.get_body(("plain",)).get_content() == "Hello Zoë,\nyour order is ready.\n"
    assert "<p>Hello Zoë,</p>" in message.get_body(("html",)).get_content()


def test_a_message_without_html_is_plain_text_only():
    message = parsed(build_message(an_email(html=None), SENDER, "m-1"))
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Hello Zoë,\nyour order is ready.\n"


def test_the_message_carries_sender_recipient_and_the_extra_headers():
    message = parsed(build_message(an_email(), SENDER, "m-1"))
    assert message["From"] == SENDER
    assert message["To"] == "Zoë Adeyemi <zoe@example.org>"
    assert message["List-Unsubscribe"] == "<https://coop.example/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_message_id_is_the_callers_id_at_the_senders_domain():
    message = build_message(an_email(), "Co-op <NoReply@Coop.Example>", "notice-42.email")
    assert message["Message-ID"] == "<notice-42.email@coop.example>"
    assert b"\nMessage-ID: <notice-42.email@coop.example>\n" in message.as_bytes()


def test_the_date_is_in_utc():
    moment = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    message = build_message(an_email(), SENDER, "m-1", now=moment)
    assert message["Date"] == "Wed, 01 Jul 2026 08:30:00 +0000"
    assert parsed(build_message(an_email(), SENDER, "m-1"))["Date"].datetime.utcoffset() == dt.timedelta(0)


def test_non_ascii_subject_and_body_travel_as_7_bit_utf_8():
    raw = build_message(an_email(subject="Café order – ☕ for Zoë", text="Prix : 12 €\n"), SENDER, "m-1").as_bytes()
    assert raw.isascii()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Café order – ☕ for Zoë"
    assert message.get_body(("plain",)).get_content() == "Prix : 12 €\n"
    assert message.get_body(("plain",)).get_content_charset() == "utf-8"


@pytest.mark.parametrize("name", ["Bcc", "cc", "To", "From", "Subject", "Message-ID", "Date", "Content-Type",
                                  "Resent-To", "MIME-Version"])
def test_an_extra_header_cannot_replace_the_builders_or_add_a_recipient(name):
    with pytest.raises(ValueError, match=name):
        build_message(an_email(headers={name: "someone@example.org"}), SENDER, "m-1")


def test_a_header_value_cannot_smuggle_in_another_header():
    with pytest.raises(ValueError):
        build_message(an_email(headers={"List-Unsubscribe": "<https://x>\r\nBcc: spy@example.org"}), SENDER, "m-1")
    with pytest.raises(ValueError):
        build_message(an_email(subject="Hi\nBcc: spy@example.org"), SENDER, "m-1")


@pytest.mark.parametrize("to", ["", "not an address", "zoe@", "@example.org", "zoe@example.org, spy@example.org",
                                "zoe@example.org spy@example.org", "<zoe@example.org>; <spy@example.org>"])
def test_a_recipient_that_is_not_one_address_is_refused(to):
    with pytest.raises(ValueError):
        build_message(an_email(to=to), SENDER, "m-1")


@pytest.mark.parametrize("message_id", ["", "../escape", "a/b", ".hidden", "a b", "x@y", "<id>", "é", "a" * 201])
def test_a_message_id_that_could_not_name_a_file_is_refused(message_id):
    with pytest.raises(ValueError):
        build_message(an_email(), SENDER, message_id)


def test_a_name_with_a_comma_is_still_one_recipient():
    message = parsed(build_message(an_email(to='"Adeyemi, Zoë" <zoe@example.org>'), SENDER, "m-1"))
    assert [address.addr_spec for address in message["To"].addresses] == ["zoe@example.org"]


def test_a_sender_that_is_no_address_is_refused():
    with pytest.raises(ValueError):
        build_message(an_email(), "Co-op", "m-1")
    with pytest.raises(ValueError):
        FileMailbox(".", "Co-op")


# The SMTP URL.

def test_no_url_means_the_file_mailbox(tmp_path):
    for url in (None, "", "  "):
        mailer = mailer_from_url(url, tmp_path / "mail", SENDER)
        assert isinstance(mailer, FileMailbox) and mailer.folder == tmp_path / "mail"


def test_an_smtp_url_means_the_smtp_mailer(tmp_path):
    mailer = mailer_from_url("smtp://mail.example.org", tmp_path, SENDER)
    assert isinstance(mailer, SmtpMailer) and mailer.sender == SENDER and mailer.timeout == 10.0


@pytest.mark.parametrize(("url", "host", "port", "security", "user", "password"), [
    ("smtp://localhost", "localhost", 25, "smtp", None, None),
    ("smtp://localhost:1025", "localhost", 1025, "smtp", None, None),
    ("smtp://relay.example.org?starttls=1", "relay.example.org", 587, "starttls", None, None),
    ("smtp://relay.example.org:2525?starttls=true", "relay.example.org", 2525, "starttls", None, None),
    ("smtp://relay.example.org?starttls=0", "relay.example.org", 25, "smtp", None, None),
    ("smtps://relay.example.org", "relay.example.org", 465, "smtps", None, None),
    ("SMTPS://Relay.Example.org:4650/", "relay.example.org", 4650, "smtps", None, None),
    ("smtp://apikey:s3cr%40t%2F%3A@relay.example.org:587?starttls=1", "relay.example.org", 587, "starttls",
     "apikey", "s3cr@t/:"),
    ("smtps://me%40example.org:pw@relay.example.org", "relay.example.org", 465, "smtps", "me@example.org", "pw"),
])
def test_an_smtp_url_is_read(url, host, port, security, user, password):
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.security, server.user, server.password) == (
        host, port, security, user, password)


@pytest.mark.parametrize(("url", "problem"), [
    ("http://relay.example.org", "must start smtp:// or smtps://"),
    ("relay.example.org", "must start smtp:// or smtps://"),
    ("smtp://", "names no host"),
    ("smtp://relay.example.org:port", "port that is not a number"),
    ("smtp://relay.example.org:99999", "port that is not a number"),
    ("smtp://relay.example.org/path", "has a path"),
    ("smtp://relay.example.org?tls=1", "unknown options ['tls']"),
    ("smtp://relay.example.org?starttls=maybe", "starttls='maybe'"),
    ("smtps://relay.example.org?starttls=1", "TLS from the start"),
    ("smtp://user@relay.example.org", "user without a password"),
    ("smtp://:pw@relay.example.org", "password without a user"),
])
def test_a_wrong_url_is_refused_saying_what_is_wrong(tmp_path, url, problem):
    with pytest.raises(ValueError, match="SMTP URL") as raised:
        mailer_from_url(url, tmp_path, SENDER)
    assert problem in str(raised.value)


@pytest.mark.parametrize("url", [
    "http://relay:s3cret@relay.example.org",
    "smtp://relay:s3cret@relay.example.org/x",
    "smtp://relay:s3/cret@relay.example.org",
    "smtp://relay:s3cret@@relay.example.org:nope",
    "smtp://relay:s3cret?starttls=1",
    "smtp://relay.example.org?password=s3cret",
    "s3cret@relay.example.org",
    "smtp://relay:s3#cret@relay.example.org",
    "smtp://relay:s3?cret@relay.example.org",
    "smtps://relay:s3cret@relay.example.org?starttls=1",
])
def test_a_wrong_url_is_refused_without_its_password(tmp_path, url):
    with pytest.raises(ValueError) as raised:
        mailer_from_url(url, tmp_path, SENDER)
    assert "s3" not in str(raised.value) and "cret" not in str(raised.value)


def test_the_smtp_mailer_does_not_show_its_password():
    mailer = SmtpMailer("smtp://relay:s3cret@relay.example.org", SENDER)
    assert "s3cret" not in repr(mailer) and "s3cret" not in repr(mailer.server)


# The file mailbox.

def test_the_file_mailbox_writes_a_parseable_eml_named_for_the_message(tmp_path):
    mailbox = FileMailbox(tmp_path / "data" / "mail", SENDER)
    mailbox.send(an_email(), "notice-7")
    path = tmp_path / "data" / "mail" / "notice-7.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "Zoë Adeyemi <zoe@example.org>" and message["Message-ID"] == "<notice-7@coop.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(("plain",)).get_content() == "Hello Zoë,\nyour order is ready.\n"
    assert mailbox.path_for("notice-7") == path


def test_the_file_mailbox_leaves_no_temporary_file(tmp_path):
    mailbox = FileMailbox(tmp_path, SENDER)
    mailbox.send(an_email(), "a")
    mailbox.send(an_email(), "b")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.eml", "b.eml"]


def test_sending_the_same_message_again_writes_the_same_file_once(tmp_path):
    mailbox = FileMailbox(tmp_path, SENDER)
    mailbox.send(an_email(subject="First"), "again")
    mailbox.send(an_email(subject="Second"), "again")
    [path] = tmp_path.iterdir()
    assert email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["Subject"] == "Second"


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, monkeypatch):
    mailbox = FileMailbox(tmp_path, SENDER)
    mailbox.send(an_email(subject="Whole"), "m")
    before = (tmp_path / "m.eml").read_bytes()

    def failing_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(MailRefused) as raised:
        mailbox.send(an_email(subject="Cut short"), "m")
    assert raised.value.permanent is False
    assert (tmp_path / "m.eml").read_bytes() == before
    assert [path.name for path in tmp_path.iterdir()] == ["m.eml"]


def test_the_file_mailbox_refuses_a_message_id_that_would_leave_its_folder(tmp_path):
    mailbox = FileMailbox(tmp_path / "mail", SENDER)
    with pytest.raises(MailRefused) as raised:
        mailbox.send(an_email(), "../outside")
    assert raised.value.permanent is True and not (tmp_path / "outside.eml").exists()


@pytest.mark.parametrize("mailer", [FileMailbox(".", SENDER), SmtpMailer("smtp://127.0.0.1:1", SENDER)],
                         ids=["file", "smtp"])
def test_a_mail_that_cannot_be_built_is_refused_for_good_before_anything_is_sent(mailer):
    with pytest.raises(MailRefused, match="not one email address") as raised:
        mailer.send(an_email(to="zoe@example.org, spy@example.org"), "m-1")
    assert raised.value.permanent is True


def test_a_long_list_unsubscribe_header_is_written_as_it_is_not_as_an_encoded_word():
    link = "<https://coop.example/notifications/unsubscribe/" + "a1B2c3D4" * 30 + ">"
    message = build_message(Email(to="jo@example.org", subject="Hello", text="Hi",
                                  headers={"List-Unsubscribe": link}),
                            "Co-op <noreply@coop.example>", "coop-notice-1")
    written = message.as_bytes()
    assert f"List-Unsubscribe: {link}".encode() in written and b"=?utf-8?" not in written
