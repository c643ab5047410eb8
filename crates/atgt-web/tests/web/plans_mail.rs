//! Plans follow-up (issue 7): reminder e-mails through a fake SMTP server on a free
//! localhost port, which speaks the protocol and captures what it is sent.

use crate::each_backend;
use crate::helpers::TestApp;
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_core::plans::{FixedClock, PlanFile, UrgeConfig};
use atgt_web::smtp::SmtpConfig;
use base64::Engine;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone, Default)]
struct Mail {
    from: String,
    to: Vec<String>,
    data: String,
}

/// A fake SMTP server; `rcpt_reply` is its answer to RCPT TO (e.g. "250 OK" or
/// "550 mailbox unavailable"). Returns its port and the mails it accepted.
async fn fake_smtp(rcpt_reply: &'static str) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let (rd, mut w) = sock.into_split();
                let mut r = BufReader::new(rd);
                w.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut mail = Mail::default();
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_string();
                    let up = cmd.to_ascii_uppercase();
                    let answer = if up.starts_with("EHLO") {
                        "250-fake\r\n250 8BITMIME\r\n".to_string()
                    } else if up.starts_with("MAIL FROM:") {
                        mail.from = cmd[10..].to_string();
                        "250 OK\r\n".into()
                    } else if up.starts_with("RCPT TO:") {
                        mail.to.push(cmd[8..].to_string());
                        format!("{rcpt_reply}\r\n")
                    } else if up == "DATA" {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            r.read_line(&mut l).await.unwrap();
                            if l == ".\r\n" {
                                break;
                            }
                            // Undo the dot-stuffing.
                            data.push_str(l.strip_prefix('.').unwrap_or(&l));
                        }
                        mail.data = data;
                        keep.lock().unwrap().push(mail.clone());
                        "250 queued\r\n".into()
                    } else if up == "QUIT" {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        "500 unknown\r\n".into()
                    };
                    w.write_all(answer.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (port, got)
}

/// The decoded Subject header of a message.
fn subject(data: &str) -> String {
    let raw = data
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap()
        .trim();
    let b64 = raw
        .strip_prefix("=?UTF-8?B?")
        .and_then(|s| s.strip_suffix("?="))
        .expect("RFC 2047 encoded subject");
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

async fn seed(app: &TestApp) {
    atgt_store::testkit::plan_units(app.store()).await;
    app.store()
        .plan_import(&Actor::system(), &PlanFile::seed())
        .await
        .unwrap();
    let sys = Actor::system();
    app.store()
        .org_email_set(&sys, "DUCA-NH", "duca@ninhhai.gov.vn")
        .await
        .unwrap();
    app.store()
        .org_email_set(&sys, "HU-NH", "btv@ninhhai.gov.vn")
        .await
        .unwrap();
}

async fn urge(app: &TestApp, port: u16) -> Vec<(atgt_core::plans::Reminder, String)> {
    // 28/9/2023, 10:00 in Vietnam: III.2 (due 20/9/2023) is 8 days late.
    let at: jiff::Timestamp = "2023-09-28T10:00:00+07:00".parse().unwrap();
    let smtp = SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "atgt@ninhthuan.gov.vn".into(),
    };
    atgt_web::smtp::urge(
        app.store(),
        &Actor::system(),
        &FixedClock(at),
        &UrgeConfig {
            due_soon_days: 7,
            escalate_after_days: 5,
        },
        Some(&smtp),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn reminders_are_mailed_to_the_units_address_in_vietnamese() {
    each_backend!(|app| {
        seed(&app).await;
        let (port, got) = fake_smtp("250 OK").await;
        let sent = urge(&app, port).await;
        let duca = app.store().org_by_code("DUCA-NH").await.unwrap().id;
        let (overdue, status) = sent
            .iter()
            .find(|(r, _)| r.org_id == duca)
            .expect("a reminder to the police Party committee");
        assert_eq!(status, "sent to duca@ninhhai.gov.vn");
        let task = app.store().task(overdue.task_id).await.unwrap();
        let mails = got.lock().unwrap().clone();
        let m = mails
            .iter()
            .find(|m| m.to == ["<duca@ninhhai.gov.vn>"])
            .unwrap_or_else(|| panic!("{mails:?}"));
        assert_eq!(m.from, "<atgt@ninhthuan.gov.vn>");
        assert_eq!(subject(&m.data), format!("[ATGT] Quá hạn: {}", task.title));
        assert!(
            m.data.contains("Kính gửi Đảng ủy Công an huyện Ninh Hải,"),
            "{}",
            m.data
        );
        assert!(m.data.contains("hạn 20/09/2023, 8 ngày"), "{}", m.data);
        assert!(m.data.contains("Content-Type: text/plain; charset=UTF-8"));
        // The superior is told by mail too.
        assert!(mails.iter().any(|m| m.to == ["<btv@ninhhai.gov.vn>"]
            && subject(&m.data).starts_with("[ATGT] Báo cáo cấp trên")));
        // The task page shows what happened to the e-mail copy.
        let (status, html) = app
            .get_as(Some(Role::Leader), &format!("/tasks/{}", task.id))
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("sent to duca@ninhhai.gov.vn"), "{html}");
        // Again the same day: nothing new is recorded or mailed.
        let n = mails.len();
        assert!(urge(&app, port).await.is_empty());
        assert_eq!(got.lock().unwrap().len(), n);
    });
}

#[tokio::test]
async fn a_refusing_server_is_recorded_and_the_in_app_reminder_stays() {
    each_backend!(|app| {
        seed(&app).await;
        let (port, got) = fake_smtp("550 5.1.1 mailbox unavailable").await;
        let sent = urge(&app, port).await;
        assert!(!sent.is_empty());
        assert!(got.lock().unwrap().is_empty());
        let duca = app.store().org_by_code("DUCA-NH").await.unwrap().id;
        let recorded = app.store().reminders(None, 1000).await.unwrap();
        assert_eq!(recorded.len(), sent.len());
        let r = recorded
            .iter()
            .find(|r| r.unit.id == duca)
            .expect("the in-app reminder is recorded");
        assert_eq!(r.email, "SMTP error: 550 5.1.1 mailbox unavailable");
        let (_, html) = app.get_as(Some(Role::Leader), "/plans/urging").await;
        assert!(
            html.contains("SMTP error: 550 5.1.1 mailbox unavailable"),
            "{html}"
        );
        // A unit without an address is said so; no server at all: in-app only.
        assert!(recorded.iter().all(|r| r.email.starts_with("SMTP error")
            || r.email == "đơn vị chưa có địa chỉ thư điện tử"),);
    });
}

#[tokio::test]
async fn a_bad_unit_address_is_refused_naming_the_field() {
    each_backend!(|app| {
        seed(&app).await;
        let e = app
            .store()
            .org_email_set(&Actor::system(), "CA-NH", "ca ninhhai")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, atgt_store::StoreError::Invalid { field, .. } if field == "email"),
            "{e:?}"
        );
        assert_eq!(
            app.store()
                .org_email(app.store().org_by_code("CA-NH").await.unwrap().id)
                .await
                .unwrap(),
            ""
        );
    });
}

/// The "send reminders now" button on the urging page mails through the server the
/// program was configured with, like `atgt plans remind`.
#[tokio::test]
async fn the_urging_button_mails_through_the_configured_server() {
    for backend in atgt_store::testkit::backends() {
        let mut app = TestApp::new(backend).await;
        seed(&app).await;
        let (port, got) = fake_smtp("250 OK").await;
        app.state = app.state.clone().with_smtp(Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            from: "atgt@ninhthuan.gov.vn".into(),
        }));
        app.router = atgt_web::routes::router(app.state.clone());
        let resp = app
            .post_form_as(Role::FocalOfficer, "/plans/urging", &[])
            .await;
        assert_eq!(resp.status(), 303);
        let mails = got.lock().unwrap().clone();
        assert!(
            mails.iter().any(|m| m.to == ["<duca@ninhhai.gov.vn>"]),
            "{mails:?}"
        );
        let recorded = app.store().reminders(None, 1000).await.unwrap();
        assert!(
            recorded
                .iter()
                .any(|r| r.email == "sent to duca@ninhhai.gov.vn"),
            "{recorded:?}"
        );
    }
}
