//! E-mail through an SMTP server (lettre), for applicants' notices and staff reminders.
//!
//! The server is given as a URL:
//! - `smtp://[user:password@]host[:port]`: plain SMTP (port 25), for a relay on the same host
//!   or network;
//! - `smtp://…?tls=required`: STARTTLS, refusing a server that does not offer it (port 587);
//! - `smtp://…?tls=opportunistic`: STARTTLS when offered;
//! - `smtps://…`: TLS from the first byte (port 465).
//!
//! Certificates are checked against the system's roots, plus a CA file when one is given
//! (a provincial relay with its own authority).

use super::SendOutcome;
use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use motcua_store::OutboxMessage;
use std::path::Path;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    Plain,
    StartTls,
    Opportunistic,
    Implicit,
}

/// The SMTP server's address, as read from its URL.
#[derive(Debug, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
    pub security: SmtpSecurity,
}

impl SmtpUrl {
    pub fn parse(url: &str) -> anyhow::Result<SmtpUrl> {
        let invalid = || {
            anyhow::anyhow!(
                "invalid SMTP URL {url:?}: expected smtp://[user:password@]host[:port], \
                 optionally ?tls=required or ?tls=opportunistic, or smtps://host[:port]"
            )
        };
        let url = url.trim();
        let (mut security, rest) = if let Some(rest) = url.strip_prefix("smtp://") {
            (SmtpSecurity::Plain, rest)
        } else if let Some(rest) = url.strip_prefix("smtps://") {
            (SmtpSecurity::Implicit, rest)
        } else {
            return Err(invalid());
        };
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        if let Some(query) = query {
            security = match (security, query) {
                (SmtpSecurity::Plain, "tls=required") => SmtpSecurity::StartTls,
                (SmtpSecurity::Plain, "tls=opportunistic") => SmtpSecurity::Opportunistic,
                (SmtpSecurity::Plain, "tls=none") | (SmtpSecurity::Implicit, "tls=wrapper") => {
                    security
                }
                _ => return Err(invalid()),
            };
        }
        let rest = rest.trim_end_matches('/');
        let (credentials, server) = match rest.rsplit_once('@') {
            Some((creds, server)) => {
                let (user, password) = creds.split_once(':').unwrap_or((creds, ""));
                (
                    Some((percent_decode(user), percent_decode(password))),
                    server,
                )
            }
            None => (None, rest),
        };
        // An IPv6 address comes in brackets: [::1]:2525.
        let (host, port) = match server.strip_prefix('[') {
            Some(bracketed) => {
                let (host, after) = bracketed.split_once(']').ok_or_else(invalid)?;
                (host, after.strip_prefix(':'))
            }
            None => match server.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (server, None),
            },
        };
        let port = match port {
            Some(p) => p.parse::<u16>().map_err(|_| invalid())?,
            None => match security {
                SmtpSecurity::Plain | SmtpSecurity::Opportunistic => 25,
                SmtpSecurity::StartTls => 587,
                SmtpSecurity::Implicit => 465,
            },
        };
        if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
            return Err(invalid());
        }
        Ok(SmtpUrl {
            host: host.to_owned(),
            port,
            credentials,
            security,
        })
    }
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends e-mail through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `url` (see the module), sending as `from`, trusting `ca_file` (PEM)
    /// besides the system's roots.
    pub fn new(url: &str, from: &str, ca_file: Option<&Path>) -> anyhow::Result<Mailer> {
        let smtp = SmtpUrl::parse(url)?;
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host).port(smtp.port);
        if smtp.security != SmtpSecurity::Plain {
            let mut parameters = TlsParameters::builder(smtp.host.clone());
            if let Some(path) = ca_file {
                let pem = std::fs::read(path)
                    .with_context(|| format!("reading the SMTP CA file {}", path.display()))?;
                let cert = Certificate::from_pem(&pem)
                    .with_context(|| format!("the SMTP CA file {} is not PEM", path.display()))?;
                parameters = parameters.add_root_certificate(cert);
            }
            let parameters = parameters.build_rustls()?;
            builder = builder.tls(match smtp.security {
                SmtpSecurity::StartTls => Tls::Required(parameters),
                SmtpSecurity::Opportunistic => Tls::Opportunistic(parameters),
                _ => Tls::Wrapper(parameters),
            });
        } else if ca_file.is_some() {
            anyhow::bail!("an SMTP CA file needs a TLS URL (?tls=required or smtps://)");
        }
        if let Some((user, password)) = smtp.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        let transport = builder
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .with_context(|| format!("invalid sender address {from:?}"))?;
        Ok(Mailer { transport, from })
    }

    /// Sends one outbox message. Its Message-ID is made of the message's id, so a receiver
    /// that sees one twice (after a lost answer) can tell. A 5xx answer refuses it for
    /// good; a 4xx answer or no connection is tried again.
    pub async fn send(&self, message: &OutboxMessage) -> SendOutcome {
        let Some(to) = message.recipient_email.as_deref() else {
            return SendOutcome::Refused("Tin không có địa chỉ nhận.".into());
        };
        let Ok(to) = to.parse::<Mailbox>() else {
            return SendOutcome::Refused(format!("Địa chỉ nhận không hợp lệ: {to}"));
        };
        let mut body = message.body.clone();
        if let Some(link) = &message.link
            && !body.contains(link.as_str())
        {
            body.push_str(&format!("\n\nXem chi tiết: {link}"));
        }
        let domain = self.from.email.domain().to_owned();
        let built = Message::builder()
            .from(self.from.clone())
            .to(to)
            .message_id(Some(format!("<{}@{domain}>", message.id)))
            .subject(&message.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body);
        let email = match built {
            Ok(email) => email,
            Err(e) => return SendOutcome::Refused(format!("Không dựng được thư: {e}")),
        };
        match self.transport.send(email).await {
            Ok(_) => SendOutcome::Delivered,
            Err(e) if e.is_permanent() => SendOutcome::Refused(format!("Máy chủ thư từ chối: {e}")),
            Err(e) => SendOutcome::Retry(format!("Chưa gửi được thư: {e:#}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_read() {
        assert_eq!(
            SmtpUrl::parse("smtp://relay.langson.example").unwrap(),
            SmtpUrl {
                host: "relay.langson.example".into(),
                port: 25,
                credentials: None,
                security: SmtpSecurity::Plain,
            }
        );
        assert_eq!(
            SmtpUrl::parse("smtp://motcua:p%40ss@127.0.0.1:2525/").unwrap(),
            SmtpUrl {
                host: "127.0.0.1".into(),
                port: 2525,
                credentials: Some(("motcua".into(), "p@ss".into())),
                security: SmtpSecurity::Plain,
            }
        );
        let starttls = SmtpUrl::parse("smtp://mail.langson.example?tls=required").unwrap();
        assert_eq!(
            (starttls.port, starttls.security),
            (587, SmtpSecurity::StartTls)
        );
        let wrapped = SmtpUrl::parse("smtps://mail.langson.example").unwrap();
        assert_eq!(
            (wrapped.port, wrapped.security),
            (465, SmtpSecurity::Implicit)
        );
        for bad in [
            "http://x",
            "smtp://",
            "smtp://x:port",
            "smtp://x/y",
            "smtp://x?tls=maybe",
            "smtps://x?tls=required",
        ] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mailers_check_their_settings() {
        let from = "motcua <noreply@langson.example>";
        assert!(Mailer::new("smtp://127.0.0.1:2525", from, None).is_ok());
        assert!(Mailer::new("smtps://mail.example:465", from, None).is_ok());
        assert!(Mailer::new("smtp://127.0.0.1:2525", "not an address", None).is_err());
        let missing = Path::new("/nonexistent/ca.pem");
        assert!(Mailer::new("smtp://mail.example?tls=required", from, Some(missing)).is_err());
        assert!(Mailer::new("smtp://127.0.0.1:2525", from, Some(missing)).is_err());
    }
}
