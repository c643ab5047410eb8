//! Plans follow-up (issue 7): `atgt plans unit-email` and `atgt plans remind` mailing
//! through the SMTP relay the configuration names (`ATGT_SMTP_HOST`, `ATGT_SMTP_PORT`).

use crate::support::{Scratch, bin, run, text};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Stdio;

/// A one-connection fake SMTP server; returns its port and the transcript it read.
fn fake_smtp() -> (u16, std::thread::JoinHandle<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let mut seen = String::new();
        let (sock, _) = l.accept().unwrap();
        let mut w = sock.try_clone().unwrap();
        let mut r = BufReader::new(sock);
        w.write_all(b"220 fake\r\n").unwrap();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return seen;
            }
            seen.push_str(&line);
            let answer: &[u8] = if in_data {
                if line != ".\r\n" {
                    continue;
                }
                in_data = false;
                b"250 queued\r\n"
            } else if line.starts_with("DATA") {
                in_data = true;
                b"354 go\r\n"
            } else if line.starts_with("QUIT") {
                w.write_all(b"221 bye\r\n").unwrap();
                return seen;
            } else {
                b"250 OK\r\n"
            };
            w.write_all(answer).unwrap();
        }
    });
    (port, h)
}

#[test]
fn plans_remind_mails_the_unit_through_the_configured_relay() {
    let s = Scratch::new("plans-mail");
    let url = format!("sqlite://{}", s.path("atgt.db"));
    assert!(run(&["migrate", "--database", &url]).status.success());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = atgt_store::Store::open_current(&url).await.unwrap();
        atgt_store::testkit::plan_units(&store).await;
        store
            .plan_import(
                &atgt_core::audit::Actor::system(),
                &atgt_core::plans::PlanFile::seed(),
            )
            .await
            .unwrap();
        store.db.close().await;
    });
    let bad = run(&[
        "plans",
        "unit-email",
        "--database",
        &url,
        "--unit",
        "DUCA-NH",
        "--email",
        "không có",
    ]);
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("thư điện tử không hợp lệ"),
        "{}",
        text(&bad)
    );
    let ok = run(&[
        "plans",
        "unit-email",
        "--database",
        &url,
        "--unit",
        "DUCA-NH",
        "--email",
        "duca@ninhhai.gov.vn",
    ]);
    assert!(ok.status.success(), "{}", text(&ok));
    let (port, server) = fake_smtp();
    // Only the police Party committee has an address: one mail, one connection.
    let o = bin()
        .args([
            "plans",
            "remind",
            "--database",
            &url,
            "--now",
            "2023-09-28T10:00:00+07:00",
            "--escalate-after-days",
            "30",
        ])
        .env("ATGT_SMTP_HOST", "127.0.0.1")
        .env("ATGT_SMTP_PORT", port.to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("→ Đảng ủy Công an huyện Ninh Hải")
            && out.contains("thư điện tử: sent to duca@ninhhai.gov.vn"),
        "{out}"
    );
    let seen = server.join().unwrap();
    assert!(seen.contains("RCPT TO:<duca@ninhhai.gov.vn>"), "{seen}");
    assert!(seen.contains("MAIL FROM:<atgt@localhost>"), "{seen}");
    assert!(
        seen.contains("Kính gửi Đảng ủy Công an huyện Ninh Hải,"),
        "{seen}"
    );
}
