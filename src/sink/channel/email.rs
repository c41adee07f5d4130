//! `kind = "email"`: one message per alert, or per digest, over SMTP with lettre —
//! STARTTLS (required, not opportunistic) or TLS from the first byte, optional
//! login, a plain-text and an HTML part. The `Message-ID` is made from the alert's
//! (or the digest's) id, so a message sent again after a crash carries the same id and
//! mail clients show it once; `X-Newswatch-Alert-Id` carries the alert ids and
//! `X-Newswatch-Attempt` the attempt.
//!
//! Outcome: a 4xx SMTP reply, a timeout or a broken connection is retried; a 5xx
//! reply (unknown mailbox, message refused) fails that message for good.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::outcome::Outcome;
use super::{Message, render};
use crate::config::channel::{Email, SmtpTls};
use crate::net;

/// The header carrying the alert ids (the webhook's, in mail's capitalisation).
const ALERT_ID_HEADER: &str = "X-Newswatch-Alert-Id";
/// The header counting attempts (1 on the first).
const ATTEMPT_HEADER: &str = "X-Newswatch-Attempt";

/// An SMTP server and the addresses to write to.
#[derive(Clone)]
pub struct Mailer {
    /// The connection settings (one connection per message: alerts are rare).
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// The sender.
    from: Mailbox,
    /// The recipients.
    to: Vec<Mailbox>,
    /// What subjects start with.
    subject_prefix: String,
    /// The channel's name as a `Message-ID` may carry it.
    channel_tag: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `cfg`, each SMTP command bounded by `timeout`.
    pub fn new(channel: &str, cfg: &Email, timeout: std::time::Duration) -> Result<Self, String> {
        net::install_crypto_provider();
        let tls = match cfg.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(tls_parameters(cfg)?),
            SmtpTls::Implicit => Tls::Wrapper(tls_parameters(cfg)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
            .port(cfg.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some(user) = &cfg.username {
            let password = cfg
                .password
                .as_ref()
                .map(|p| p.expose().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let mailbox = |s: &str| {
            s.parse::<Mailbox>()
                .map_err(|e| format!("`{s}` is not an email address: {e}"))
        };
        Ok(Mailer {
            transport: builder.build(),
            from: mailbox(&cfg.from)?,
            to: cfg
                .to
                .iter()
                .map(|t| mailbox(t))
                .collect::<Result<_, _>>()?,
            subject_prefix: cfg.subject_prefix.clone(),
            channel_tag: message_id_part(channel),
        })
    }

    /// Sends one message.
    pub async fn send(&self, msg: &Message<'_>) -> Outcome {
        let email = match self.compose(msg) {
            Ok(e) => e,
            Err(e) => return Outcome::Failed(format!("cannot compose the email: {e}")),
        };
        match self.transport.send(email).await {
            Ok(_) => Outcome::Delivered,
            Err(e) if e.is_permanent() || e.is_client() => Outcome::Failed(net::error_chain(&e)),
            Err(e) => Outcome::retry(net::error_chain(&e)),
        }
    }

    /// The email for `msg`.
    pub fn compose(&self, msg: &Message<'_>) -> Result<lettre::Message, String> {
        let alerts = msg.alert_refs();
        let subject = format!(
            "{} {}",
            self.subject_prefix,
            render::headline(&alerts, msg.digest)
        );
        let mut b = lettre::Message::builder()
            .from(self.from.clone())
            .subject(subject.trim())
            .message_id(Some(format!(
                "<{}.{}@newswatch>",
                message_id_part(msg.id),
                self.channel_tag
            )));
        for to in &self.to {
            b = b.to(to.clone());
        }
        let ids: Vec<&str> = alerts.iter().map(|a| a.alert_id.as_str()).collect();
        for (header, value) in [
            (ALERT_ID_HEADER, ids.join(", ")),
            (ATTEMPT_HEADER, msg.attempt.to_string()),
        ] {
            let name = HeaderName::new_from_ascii(header.to_string()).map_err(|e| e.to_string())?;
            b = b.raw_header(HeaderValue::new(name, value));
        }
        b.multipart(MultiPart::alternative_plain_html(
            render::plain(&alerts),
            render::html(&alerts),
        ))
        .map_err(|e| e.to_string())
    }
}

/// TLS for the server's name, trusting the system's roots and `ca_pem` if given.
fn tls_parameters(cfg: &Email) -> Result<TlsParameters, String> {
    let mut b = TlsParameters::builder(cfg.host.clone());
    if let Some(pem) = &cfg.ca_pem {
        let cert = Certificate::from_pem(pem).map_err(|e| format!("ca_file: {e}"))?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls().map_err(|e| net::error_chain(&e))
}

/// Text as a `Message-ID` part may carry it (letters, digits, `-`, `_`).
fn message_id_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
