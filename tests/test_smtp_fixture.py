import smtplib
from email.message import EmailMessage

import pytest


def polish_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Betterfly <no-reply@betterfly.example>"
    message["To"] = "jan@firma.example"
    message["Subject"] = "Zaproszenie do Betterfly"
    message.set_content("Twoje biuro rachunkowe połączyło Cię z Betterfly.")
    message.add_alternative("<p>Twoje biuro <b>połączyło</b> Cię.</p>", subtype="html")
    return message


def send_through(app, message: EmailMessage) -> None:
    host, port = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    with smtplib.SMTP(host, port, timeout=5) as smtp:
        smtp.send_message(message)


def test_sent_message_arrives_parsed_with_both_parts(smtp_server, app):
    send_through(app, polish_message())

    [received] = smtp_server.messages
    assert received["Subject"] == "Zaproszenie do Betterfly"
    assert "połączyło Cię" in received.get_body(("plain",)).get_content()
    assert "<b>połączyło</b>" in received.get_body(("html",)).get_content()
    assert smtp_server.envelopes == [
        ("no-reply@betterfly.example", ["jan@firma.example"])
    ]


def test_refusing_server_fails_the_send_and_keeps_nothing(smtp_server, app):
    smtp_server.refuse()

    with pytest.raises(smtplib.SMTPDataError) as refused:
        send_through(app, polish_message())

    assert refused.value.smtp_code == 451
    assert smtp_server.messages == []


def test_server_that_is_down_refuses_the_connection(smtp_server, app):
    smtp_server.stop()

    with pytest.raises(ConnectionRefusedError):
        send_through(app, polish_message())
