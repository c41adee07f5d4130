#!/usr/bin/env python3
"""A real SMTP server on 127.0.0.1 for the email channel tests (aiosmtpd, Debian's
python3-aiosmtpd; .ci/run installs it).

    smtp_server.py --cert C --key K --out FILE [--implicit] [--user U --password P]
                   [--delay SECONDS]

Listens on a free port and prints it on the first line of stdout. Without
--implicit it offers STARTTLS and refuses mail before it (require_starttls); with
--implicit it speaks TLS from the first byte (SMTPS). With --user it requires AUTH
(only over TLS). Each message accepted is appended to FILE as one JSON line: mail_from,
rcpt_tos, data (the message as received), tls (whether the session was encrypted)
and auth (the login used, or null); with --delay the "250 OK" follows the record
that much later (a client killed meanwhile never learns the message arrived). Stops
when stdin closes (the test ends).
"""

import argparse
import asyncio
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Recorder:
    def __init__(self, out, delay):
        self.out = out
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "auth": session.auth_data.decode() if session.auth_data else None,
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--implicit", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--delay", type=float, default=0.0)
    a = p.parse_args()

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)

    def authenticator(server, session, envelope, mechanism, data):
        ok = a.user is not None and data.login.decode() == a.user and data.password.decode() == a.password
        # handled=False: aiosmtpd then answers 535 itself on a failure.
        return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)

    def factory():
        kwargs = dict(hostname="localhost")
        if a.user:
            kwargs.update(auth_required=True, auth_require_tls=True, authenticator=authenticator)
        if a.implicit:
            return SMTP(Recorder(a.out, a.delay), **kwargs)
        return SMTP(Recorder(a.out, a.delay), tls_context=ctx, require_starttls=True, **kwargs)

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, "127.0.0.1", 0, ssl=ctx if a.implicit else None
        )
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        # Run until stdin closes: the test (or its process) is gone.
        await loop.run_in_executor(None, sys.stdin.read)
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
