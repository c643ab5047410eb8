//! The seed plan held as data matches its text: every passage of sections I, II and III
//! is the source text (lines joined), the passages together are the whole section in
//! order with nothing skipped, the units and the deadline are named in the passage
//! they are taken from. The source is a copy of the seed under `data/plans/`.

use atgt_core::plans::{PlanFile, join_lines, parse_dmy};

const SOURCE: &str = include_str!("../../../data/plans/seed-kh-hu-ninh-hai-ct23.txt");

fn between<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let a = text
        .find(from)
        .unwrap_or_else(|| panic!("'{from}' not in source"))
        + from.len();
    let b = a + text[a..]
        .find(to)
        .unwrap_or_else(|| panic!("'{to}' not in source"));
    text[a..b].trim()
}

#[test]
fn seed_plan_structure_matches_the_text() {
    let f = PlanFile::seed();
    let src = join_lines(SOURCE);
    // The title and the opening paragraph.
    assert!(src.starts_with(&f.plan.title), "{}", &src[..200]);
    assert!(src.contains(&f.plan.preamble));
    assert!(
        f.plan
            .preamble
            .contains("Kế hoạch số 235-KH/TU ngày 16/8/2023")
    );
    assert_eq!(f.plan.signer, "Trịnh Minh Hoàng");
    assert!(src.ends_with("BÍ THƯ Trịnh Minh Hoàng"));
    for r in &f.plan.recipients {
        assert!(src.contains(&format!("- {r}")), "recipient {r}");
    }
    // The chain: this plan implements 235-KH/TU (16/8/2023), which implements
    // 23-CT/TW (25/5/2023).
    let p235 = f
        .chain
        .iter()
        .find(|d| d.code == f.plan.implements)
        .unwrap();
    assert_eq!(
        (p235.number.as_str(), p235.issued_on.as_str()),
        ("235-KH/TU", "2023-08-16")
    );
    let ct23 = f.chain.iter().find(|d| d.code == p235.implements).unwrap();
    assert_eq!(
        (ct23.number.as_str(), ct23.issued_on.as_str()),
        ("23-CT/TW", "2023-05-25")
    );
    assert!(src.contains("Kế hoạch số 235-KH/TU ngày 16/8/2023"));
    assert!(src.contains("Chỉ thị số 23-CT/TW ngày 25/5/2023 của Ban Bí thư"));

    // Sections: headings as written, then the passages that make them up.
    let headings: Vec<&str> = f.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "I- Mục tiêu, yêu cầu",
            "II. NHIỆM VỤ VÀ GIẢI PHÁP TRỌNG TÂM",
            "III. TỔ CHỨC THỰC HIỆN"
        ]
    );
    let ends = [
        "II. NHIỆM VỤ VÀ GIẢI PHÁP TRỌNG TÂM",
        "III. TỔ CHỨC THỰC HIỆN",
        "Nơi nhận:",
    ];
    let counts: Vec<usize> = f
        .sections
        .iter()
        .map(|s| f.items.iter().filter(|i| i.section == s.number).count())
        .collect();
    assert_eq!(
        counts,
        [4, 7, 5],
        "goals I.1–4, tasks II.1–7, assignments III.1–5"
    );
    for (s, end) in f.sections.iter().zip(ends) {
        let body = between(&src, &s.heading, end);
        let rebuilt: Vec<String> = f
            .items
            .iter()
            .filter(|i| i.section == s.number)
            .map(|i| format!("{}. {}", i.number, i.text))
            .collect();
        assert_eq!(rebuilt.join(" "), body, "section {}", s.number);
    }

    // III: the units and the deadline come from the passage itself.
    let item = |s: &str, n: i64| {
        f.items
            .iter()
            .find(|i| i.section == s && i.number == n)
            .unwrap()
    };
    for i in f.items.iter().filter(|i| i.section == "III") {
        assert_eq!(i.assigned, "text");
        assert!(
            !i.lead.is_empty() || !i.each.is_empty(),
            "III.{} has units",
            i.number
        );
        for p in std::iter::once(&i.lead_phrase)
            .chain(&i.coordinator_phrases)
            .chain([&i.each_phrase, &i.receiver_phrase, &i.due_phrase])
            .filter(|p| !p.is_empty())
        {
            assert!(i.text.contains(p.as_str()), "III.{}: '{p}'", i.number);
        }
    }
    let iii1 = item("III", 1);
    assert_eq!(
        (iii1.lead.as_str(), iii1.coordinators.clone()),
        ("BTG-HU-NH", vec!["DUCA-NH".to_string()])
    );
    assert!(iii1.event && iii1.text.contains("tổ chức Hội nghị quán triệt"));
    let iii2 = item("III", 2);
    assert_eq!(iii2.due, "2023-09-20");
    let written = iii2.due_phrase.trim_start_matches("trước ngày ");
    assert_eq!(parse_dmy(written).unwrap().to_string(), iii2.due);
    assert_eq!(iii2.receiver, "DUCA-NH");
    assert_eq!(item("III", 3).lead, "UBND-NH");
    assert_eq!(item("III", 4).each.len(), 6);
    assert!(
        item("III", 4)
            .text
            .starts_with("Mặt trận Tổ quốc Việt Nam huyện và các đoàn thể")
    );
    let iii5 = item("III", 5);
    assert_eq!(
        (iii5.lead.as_str(), iii5.coordinators.clone()),
        ("DUCA-NH", vec!["VP-HU-NH".to_string()])
    );
    assert!(iii5.text.contains("chủ trì phối hợp Văn phòng Huyện ủy"));
    assert!(iii5.text.contains("định kỳ báo cáo Ban Thường vụ Huyện ủy"));
    // The only deadline of the plan is the one of III.2.
    assert_eq!(f.items.iter().filter(|i| !i.due.is_empty()).count(), 1);
    assert_eq!(
        src.matches("/2023").count(),
        8,
        "the dates in the text are the ones checked"
    );
}

#[test]
fn a_changed_passage_is_caught() {
    // The check above fails when a passage drifts from the text.
    let f =
        PlanFile::parse(&atgt_core::plans::SEED_PLAN.replace("kéo giảm tai nạn", "giảm tai nạn"))
            .unwrap();
    let src = join_lines(SOURCE);
    let i1 = &f.items[0];
    assert!(!src.contains(&format!("{}. {}", i1.number, i1.text)));
}
