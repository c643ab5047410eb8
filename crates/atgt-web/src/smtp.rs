//! A minimal plain-SMTP client (RFC 5321) for the reminder e-mails of plans (issue 7):
//! greeting, EHLO, MAIL FROM, RCPT TO, DATA (dot-stuffed, UTF-8 subject encoded per
//! RFC 2047), QUIT; every reply code checked, every step under a timeout. No TLS or
//! authentication: meant for the locality's internal relay.

use atgt_core::audit::Actor;
use atgt_core::i18n::{Lang, t, tf};
use atgt_core::plans::{Clock, Reminder, UrgeConfig};
use atgt_store::{Store, StoreResult};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Where reminder e-mails go out; none (empty host) means in-app reminders only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
}

const STEP: Duration = Duration::from_secs(10);

async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, want: u16) -> Result<(), String> {
    // Multi-line replies: "250-..." lines until "250 ...".
    loop {
        let mut line = String::new();
        let n = timeout(STEP, r.read_line(&mut line))
            .await
            .map_err(|_| "timeout waiting for the server".to_string())?
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed by the server".into());
        }
        let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        if code != want {
            return Err(line.trim_end().to_string());
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

async fn say(
    w: &mut tokio::net::tcp::OwnedWriteHalf,
    r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &str,
    want: u16,
) -> Result<(), String> {
    timeout(STEP, w.write_all(format!("{line}\r\n").as_bytes()))
        .await
        .map_err(|_| "timeout writing to the server".to_string())?
        .map_err(|e| e.to_string())?;
    reply(r, want).await
}

/// RFC 2047 encoded-word for a header with non-ASCII text.
pub fn encode_header(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
    )
}

/// The message body with CRLF line ends and leading dots doubled.
fn dot_stuff(body: &str) -> String {
    body.lines()
        .map(|l| {
            if l.starts_with('.') {
                format!(".{l}\r\n")
            } else {
                format!("{l}\r\n")
            }
        })
        .collect()
}

/// Sends one plain-text UTF-8 message; the error is the server's reply or the failure.
pub async fn send(cfg: &SmtpConfig, to: &str, subject: &str, body: &str) -> Result<(), String> {
    let addr = format!("{}:{}", cfg.host, cfg.port);
    let stream = timeout(STEP, TcpStream::connect(&addr))
        .await
        .map_err(|_| format!("timeout connecting to {addr}"))?
        .map_err(|e| format!("{addr}: {e}"))?;
    let (rd, mut w) = stream.into_split();
    let mut r = BufReader::new(rd);
    reply(&mut r, 220).await?;
    say(&mut w, &mut r, "EHLO atgt", 250).await?;
    say(&mut w, &mut r, &format!("MAIL FROM:<{}>", cfg.from), 250).await?;
    say(&mut w, &mut r, &format!("RCPT TO:<{to}>"), 250).await?;
    say(&mut w, &mut r, "DATA", 354).await?;
    let date = jiff::Timestamp::now().strftime("%a, %d %b %Y %H:%M:%S +0000");
    let msg = format!(
        "From: <{}>\r\nTo: <{to}>\r\nSubject: {}\r\nDate: {date}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}.",
        cfg.from,
        encode_header(subject),
        dot_stuff(body)
    );
    say(&mut w, &mut r, &msg, 250).await?;
    let _ = say(&mut w, &mut r, "QUIT", 221).await;
    Ok(())
}

/// Runs the urging: the reminders due on the clock's day not sent before are mailed
/// (when an SMTP server is configured and the unit has an address) and recorded,
/// each with what happened to its e-mail copy. The in-app reminder is recorded
/// whatever the mail did.
pub async fn urge(
    store: &Store,
    actor: &Actor,
    clock: &(dyn Clock + Sync),
    cfg: &UrgeConfig,
    smtp: Option<&SmtpConfig>,
) -> StoreResult<Vec<(Reminder, String)>> {
    let facts = store.task_facts(None).await?;
    let due = atgt_core::plans::reminders(&facts, clock, cfg);
    let fresh = store.reminders_fresh(&due).await?;
    let mut out = Vec::new();
    for r in fresh {
        let status = match smtp.filter(|s| !s.host.trim().is_empty()) {
            None => "not_configured".to_string(),
            Some(s) => {
                let to = store.org_email(r.org_id).await?;
                if to.is_empty() {
                    t(Lang::Vi, "plans_mail.no_address").to_string()
                } else {
                    let (subject, body) = message(store, &r).await?;
                    match send(s, &to, &subject, &body).await {
                        Ok(()) => format!("sent to {to}"),
                        Err(e) => format!("SMTP error: {e}"),
                    }
                }
            }
        };
        out.push((r, status));
    }
    store.reminders_record_each(actor, &out).await?;
    Ok(out)
}

/// The subject and body of a reminder e-mail, in Vietnamese.
pub async fn message(store: &Store, r: &Reminder) -> StoreResult<(String, String)> {
    let task = store.task(r.task_id).await?;
    let unit = store.org(r.org_id).await?;
    let kind = t(Lang::Vi, &r.kind.label_key()).to_string();
    let subject = tf(
        Lang::Vi,
        "plans_mail.subject",
        &[("kind", &kind), ("title", &task.title)],
    );
    let body = format!(
        "{}\n\n{}\n\n{}\n",
        tf(Lang::Vi, "plans_mail.greeting", &[("unit", &unit.name)]),
        tf(
            Lang::Vi,
            "plans_mail.body",
            &[
                ("id", &task.id.to_string()),
                ("title", &task.title),
                ("kind", &kind),
                ("due", &atgt_core::plans::dmy(r.due)),
                ("days", &r.days.to_string()),
            ]
        ),
        t(Lang::Vi, "plans_mail.footer")
    );
    Ok((subject, body))
}
