#!/usr/bin/python3
"""An SMTP sink for tests: accepts every message and stores it as one file in a Maildir.

Run by tests/bed/smtp with Debian's python3 (which has python3-aiosmtpd):

    smtp_sink.py --port 2525 --maildir DIR/maildir [--tls-cert PEM --tls-key PEM] [--auth-any]

Each message is stored as received, after two header lines a delivery agent would add:
`Return-Path: <sender>` and one `Delivered-To: <recipient>` per envelope recipient. Files
appear atomically in DIR/maildir/new/ (written to tmp/, then renamed). STARTTLS is offered only
with --tls-cert/--tls-key; with --auth-any, AUTH PLAIN/LOGIN is offered without TLS and any
credentials are accepted. One line per message goes to stdout (envelope only, never the body).
Stops cleanly on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import mailbox
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class MaildirHandler:
    """aiosmtpd handler that delivers every accepted message into one Maildir."""

    def __init__(self, path):
        # Maildir(create=True) makes tmp/new/cur only when `path` itself is missing.
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(path, sub), mode=0o700, exist_ok=True)
        self.maildir = mailbox.Maildir(path, create=False)

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        lines = [f"Return-Path: <{envelope.mail_from}>"]
        lines += [f"Delivered-To: {rcpt}" for rcpt in envelope.rcpt_tos]
        header = ("\r\n".join(lines) + "\r\n").encode("utf-8", "replace")
        try:
            key = self.maildir.add(header + content)
        except OSError as err:
            print(f"smtp_sink: cannot store message: {err}", flush=True)
            return "451 Requested action aborted: cannot store the message"
        print(f"smtp_sink: stored {key} from <{envelope.mail_from}> to "
              f"{', '.join(envelope.rcpt_tos)} ({len(content)} bytes)", flush=True)
        return "250 Message accepted for delivery"


def accept_any(server, session, envelope, mechanism, auth_data):
    """Authenticator for --auth-any: every login succeeds."""
    return AuthResult(success=True)


def smtp_kwargs(args):
    """Builds the aiosmtpd.smtp.SMTP keyword arguments from the command line."""
    kwargs = {"hostname": args.hostname, "enable_SMTPUTF8": True}
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = False
    if args.auth_any:
        kwargs["authenticator"] = accept_any
        kwargs["auth_require_tls"] = False
    return kwargs


async def serve(args):
    handler = MaildirHandler(args.maildir)
    kwargs = smtp_kwargs(args)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **kwargs), args.host, args.port)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"smtp_sink: listening on {args.host}:{args.port}, Maildir {args.maildir}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()
    print("smtp_sink: stopped", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--hostname", default="smtp-sink.gochat.test",
                        help="name in the banner and EHLO reply (no DNS look-up)")
    parser.add_argument("--tls-cert", help="PEM certificate: offer STARTTLS")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--auth-any", action="store_true",
                        help="offer AUTH without TLS and accept any credentials")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    try:
        asyncio.run(serve(args))
    except OSError as err:
        print(f"smtp_sink: {err}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
