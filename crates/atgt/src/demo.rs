//! The demo locality: a sample coastal area of Khánh Hòa — the former Ninh Hải district
//! of Ninh Thuận (old code 586), now the communes Xuân Hải, Ninh Hải, Vĩnh Hải and the
//! ward Ninh Chử — with the units named in the seed plan and one user per role.
//!
//! Everything here is sample data and is labelled so in the UI. It is written through
//! the store like any other change, so the audit chain covers it. Seeding is
//! idempotent: a database that has it already is reused as is.

use atgt_core::admin::Scheme;
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_core::i18n::Lang;
use atgt_store::Store;
use atgt_store::orgs::OrgInput;
use atgt_store::roads::RoadInput;
use atgt_store::users::NewUser;

/// The password of every demo account (sample data only).
pub const DEMO_PASSWORD: &str = "demo-atgt-2026";

/// (code, name, kind, scheme, admin code, parent code)
const ORGS: &[(&str, &str, &str, &str, &str, &str)] = &[
    // Before 1/7/2025: the province and district of the seed plan.
    (
        "TU-NT",
        "Tỉnh ủy Ninh Thuận",
        "party_committee",
        "old",
        "58",
        "",
    ),
    (
        "DUCA-NT",
        "Đảng ủy Công an tỉnh Ninh Thuận",
        "party_organisation",
        "old",
        "58",
        "TU-NT",
    ),
    (
        "HU-NH",
        "Ban Thường vụ Huyện ủy Ninh Hải",
        "party_committee",
        "old",
        "586",
        "TU-NT",
    ),
    (
        "BTG-HU-NH",
        "Ban Tuyên giáo Huyện ủy Ninh Hải",
        "party_board",
        "old",
        "586",
        "HU-NH",
    ),
    (
        "VP-HU-NH",
        "Văn phòng Huyện ủy Ninh Hải",
        "party_board",
        "old",
        "586",
        "HU-NH",
    ),
    (
        "DUCA-NH",
        "Đảng ủy Công an huyện Ninh Hải",
        "party_organisation",
        "old",
        "586",
        "HU-NH",
    ),
    (
        "CA-NH",
        "Công an huyện Ninh Hải",
        "police",
        "old",
        "586",
        "",
    ),
    (
        "UBND-NH",
        "Ủy ban nhân dân huyện Ninh Hải",
        "peoples_committee",
        "old",
        "586",
        "",
    ),
    (
        "PKTHT-NH",
        "Phòng Kinh tế và Hạ tầng huyện Ninh Hải",
        "department",
        "old",
        "586",
        "UBND-NH",
    ),
    (
        "PVHTT-NH",
        "Phòng Văn hóa và Thông tin huyện Ninh Hải",
        "department",
        "old",
        "586",
        "UBND-NH",
    ),
    (
        "PGDDT-NH",
        "Phòng Giáo dục và Đào tạo huyện Ninh Hải",
        "department",
        "old",
        "586",
        "UBND-NH",
    ),
    (
        "MTTQ-NH",
        "Ủy ban Mặt trận Tổ quốc Việt Nam huyện Ninh Hải",
        "front",
        "old",
        "586",
        "",
    ),
    (
        "HD-NH",
        "Huyện đoàn Ninh Hải",
        "mass_organisation",
        "old",
        "586",
        "",
    ),
    (
        "HLHPN-NH",
        "Hội Liên hiệp Phụ nữ huyện Ninh Hải",
        "mass_organisation",
        "old",
        "586",
        "",
    ),
    (
        "HND-NH",
        "Hội Nông dân huyện Ninh Hải",
        "mass_organisation",
        "old",
        "586",
        "",
    ),
    (
        "HCCB-NH",
        "Hội Cựu chiến binh huyện Ninh Hải",
        "mass_organisation",
        "old",
        "586",
        "",
    ),
    (
        "LDLD-NH",
        "Liên đoàn Lao động huyện Ninh Hải",
        "mass_organisation",
        "old",
        "586",
        "",
    ),
    // From 1/7/2025: the province of Khánh Hòa and the communes that took over.
    (
        "TU-KH",
        "Tỉnh ủy Khánh Hòa",
        "party_committee",
        "new",
        "56",
        "",
    ),
    (
        "UBKT-TU-KH",
        "Ủy ban Kiểm tra Tỉnh ủy Khánh Hòa",
        "party_board",
        "new",
        "56",
        "TU-KH",
    ),
    ("CA-KH", "Công an tỉnh Khánh Hòa", "police", "new", "56", ""),
    (
        "PC08-KH",
        "Phòng Cảnh sát giao thông Công an tỉnh Khánh Hòa",
        "police",
        "new",
        "56",
        "CA-KH",
    ),
    (
        "SXD-KH",
        "Sở Xây dựng tỉnh Khánh Hòa",
        "department",
        "new",
        "56",
        "",
    ),
    (
        "DU-XH",
        "Đảng ủy xã Xuân Hải",
        "party_committee",
        "new",
        "22861",
        "TU-KH",
    ),
    (
        "DU-NHAI",
        "Đảng ủy xã Ninh Hải",
        "party_committee",
        "new",
        "22852",
        "TU-KH",
    ),
    (
        "DU-VH",
        "Đảng ủy xã Vĩnh Hải",
        "party_committee",
        "new",
        "22846",
        "TU-KH",
    ),
    (
        "DU-NC",
        "Đảng ủy phường Ninh Chử",
        "party_committee",
        "new",
        "22834",
        "TU-KH",
    ),
    (
        "UBND-XH",
        "Ủy ban nhân dân xã Xuân Hải",
        "peoples_committee",
        "new",
        "22861",
        "",
    ),
    (
        "UBND-NHAI",
        "Ủy ban nhân dân xã Ninh Hải",
        "peoples_committee",
        "new",
        "22852",
        "",
    ),
    (
        "UBND-VH",
        "Ủy ban nhân dân xã Vĩnh Hải",
        "peoples_committee",
        "new",
        "22846",
        "",
    ),
    (
        "UBND-NC",
        "Ủy ban nhân dân phường Ninh Chử",
        "peoples_committee",
        "new",
        "22834",
        "",
    ),
    (
        "CA-XH",
        "Công an xã Xuân Hải",
        "police",
        "new",
        "22861",
        "CA-KH",
    ),
    (
        "CA-NHAI",
        "Công an xã Ninh Hải",
        "police",
        "new",
        "22852",
        "CA-KH",
    ),
    (
        "CA-VH",
        "Công an xã Vĩnh Hải",
        "police",
        "new",
        "22846",
        "CA-KH",
    ),
    (
        "CA-NC",
        "Công an phường Ninh Chử",
        "police",
        "new",
        "22834",
        "CA-KH",
    ),
    (
        "THPT-MAU-NC",
        "Trường THPT mẫu phường Ninh Chử (dữ liệu mẫu)",
        "school",
        "new",
        "22834",
        "",
    ),
    (
        "DK-MAU-KH",
        "Trung tâm Đăng kiểm xe cơ giới mẫu (dữ liệu mẫu)",
        "partner",
        "new",
        "56",
        "",
    ),
];

/// (username, full name, role, unit, scope scheme, scope code)
const USERS: &[(&str, &str, Role, &str, &str, &str)] = &[
    (
        "admin",
        "Quản trị hệ thống (mẫu)",
        Role::Admin,
        "CA-KH",
        "",
        "",
    ),
    (
        "lanhdao",
        "Lê Văn Lãnh (mẫu)",
        Role::Leader,
        "HU-NH",
        "old",
        "586",
    ),
    (
        "daumoi",
        "Phạm Thị Mai (mẫu)",
        Role::FocalOfficer,
        "DUCA-NH",
        "old",
        "586",
    ),
    (
        "donvi",
        "Nguyễn Văn Đông (mẫu)",
        Role::UnitOfficer,
        "UBND-XH",
        "new",
        "22861",
    ),
    (
        "csgt",
        "Trần Văn Giang (mẫu)",
        Role::PoliceOfficer,
        "PC08-KH",
        "new",
        "56",
    ),
    (
        "chihuy",
        "Võ Minh Huy (mẫu)",
        Role::Supervisor,
        "PC08-KH",
        "new",
        "56",
    ),
    (
        "phantich",
        "Đặng Thu Phương (mẫu)",
        Role::Analyst,
        "SXD-KH",
        "new",
        "56",
    ),
    (
        "thanhtra",
        "Hoàng Văn Thanh (mẫu)",
        Role::Auditor,
        "UBKT-TU-KH",
        "",
        "",
    ),
];

/// The locality's roads and railway. The centre lines are simplified, approximate
/// sample geometry (a few vertices each), not surveyed alignments; kilometre posts
/// are likewise illustrative.
/// (code, name, kind, managing unit, km at first vertex, ascending, [lon, lat]…)
#[allow(clippy::type_complexity)]
const ROADS: &[(&str, &str, &str, &str, f64, bool, &[[f64; 2]])] = &[
    (
        "QL1A",
        "Quốc lộ 1A",
        "national",
        "SXD-KH",
        1520.0,
        true,
        &[
            [109.100, 11.830],
            [109.075, 11.795],
            [109.050, 11.760],
            [109.030, 11.720],
            [109.012, 11.680],
            [109.000, 11.640],
            [108.990, 11.600],
        ],
    ),
    (
        "ĐT704",
        "Đường tỉnh 704",
        "provincial",
        "SXD-KH",
        0.0,
        true,
        &[
            [108.992, 11.593],
            [109.015, 11.600],
            [109.040, 11.608],
            [109.070, 11.622],
            [109.105, 11.640],
            [109.140, 11.668],
            [109.175, 11.700],
            [109.195, 11.722],
        ],
    ),
    (
        "DS-BN",
        "Đường sắt Bắc - Nam",
        "railway",
        "",
        1395.0,
        true,
        &[
            [109.090, 11.835],
            [109.062, 11.797],
            [109.038, 11.760],
            [109.018, 11.722],
            [109.000, 11.683],
            [108.987, 11.643],
            [108.978, 11.605],
        ],
    ),
    (
        "XH-01",
        "Đường liên xã Xuân Hải - Ninh Hải (mẫu)",
        "commune",
        "UBND-XH",
        0.0,
        true,
        &[[109.012, 11.680], [109.040, 11.676], [109.070, 11.672]],
    ),
];

/// Seeds the locality; returns false when the database already had it.
pub async fn seed(store: &Store) -> anyhow::Result<bool> {
    if store.org_by_code("HU-NH").await.is_ok() {
        return Ok(false);
    }
    let sys = Actor::system();
    for (code, name, kind, scheme, admin, parent) in ORGS {
        store
            .org_create(
                &sys,
                &OrgInput {
                    code: code.to_string(),
                    name: name.to_string(),
                    short_name: String::new(),
                    kind: kind.to_string(),
                    admin_scheme: scheme.to_string(),
                    admin_code: admin.to_string(),
                    parent_code: (!parent.is_empty()).then(|| parent.to_string()),
                    active: true,
                },
            )
            .await?;
    }
    for (code, name, kind, org, km, asc, line) in ROADS {
        store
            .road_create(
                &sys,
                &RoadInput {
                    code: code.to_string(),
                    name: name.to_string(),
                    kind: kind.to_string(),
                    province_code: "56".into(),
                    managing_org_code: (!org.is_empty()).then(|| org.to_string()),
                    km_start: *km,
                    ascending: *asc,
                    line: line.to_vec(),
                    note: "Hình học minh họa (dữ liệu mẫu)".into(),
                },
            )
            .await?;
    }
    seed_crashes(store).await?;
    seed_spots(store).await?; // hotspots: black-spot screening (issue 5)
    let hash = atgt_web::auth::password::hash(DEMO_PASSWORD)?;
    for (username, name, role, org, scheme, scope) in USERS {
        let scope = if scope.is_empty() {
            None
        } else {
            Some((
                scheme.parse::<Scheme>().map_err(|e| anyhow::anyhow!(e))?,
                scope.to_string(),
            ))
        };
        store
            .user_create(
                &sys,
                &NewUser {
                    username: username.to_string(),
                    display_name: name.to_string(),
                    password_hash: hash.clone(),
                    role: *role,
                    org_code: org.to_string(),
                    scope,
                    locale: Lang::Vi,
                },
            )
            .await?;
    }
    Ok(true)
}

/// Three years of synthetic crashes on the demo's roads (clearly marked synthetic),
/// with spots that the black-spot screening should find.
async fn seed_crashes(store: &Store) -> anyhow::Result<usize> {
    use atgt_core::geo::{Chainage, Point};
    let roads = ROADS
        .iter()
        .map(|(code, _, _, _, km, asc, line)| {
            atgt_core::synth::demo_road(
                code,
                Chainage {
                    line: line.iter().map(|p| Point::new(p[0], p[1])).collect(),
                    km_start: *km,
                    ascending: *asc,
                },
            )
        })
        .collect();
    let records = atgt_core::synth::generate(&atgt_core::synth::demo_spec(roads));
    let rows = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 1, Ok(r)))
        .collect();
    let report = store
        .crash_import(
            &Actor::system(),
            rows,
            "du-lieu-mau-tong-hop",
            false,
            true,
            |_| {},
        )
        .await?;
    if !report.rejected.is_empty() {
        anyhow::bail!("synthetic crashes rejected: {:?}", report.rejected.first());
    }
    Ok(report.inserted)
}

/// What the demo prints: where to go and how to sign in.
pub fn banner(db_url: &str, seeded: bool) -> String {
    let mut s = String::new();
    s.push_str(
        "atgt demo — địa bàn mẫu (dữ liệu mẫu): khu vực huyện Ninh Hải cũ, tỉnh Khánh Hòa\n",
    );
    s.push_str(&format!(
        "  database: {db_url} ({})\n",
        if seeded { "seeded now" } else { "reused" }
    ));
    s.push_str("  open:     {url}\n");
    s.push_str(&format!("  accounts (password {DEMO_PASSWORD}):\n"));
    for (u, _, role, org, _, _) in USERS {
        s.push_str(&format!("    {u:<10} {:<15} {org}\n", role.as_str()));
    }
    s.push_str("  stop with Ctrl+C");
    s
}

// hotspots: black-spot screening (issue 5)
/// The demo's roads as the synthetic generator takes them.
pub fn synth_roads() -> Vec<atgt_core::synth::SynthRoad> {
    use atgt_core::geo::{Chainage, Point};
    ROADS
        .iter()
        .map(|(code, _, _, _, km, asc, line)| {
            atgt_core::synth::demo_road(
                code,
                Chainage {
                    line: line.iter().map(|p| Point::new(p[0], p[1])).collect(),
                    km_start: *km,
                    ascending: *asc,
                },
            )
        })
        .collect()
}

/// The spots the legal rule finds in the demo's crashes, recorded and moved along
/// their lifecycle: QL1A Km 1531+200 with a treatment proposed and overdue, ĐT704
/// Km 6+500 treated and monitored (so its before/after evaluation shows).
async fn seed_spots(store: &Store) -> anyhow::Result<usize> {
    use atgt_core::hotspots::lifecycle::SpotAction;
    use atgt_core::hotspots::rules::{Period, screen};
    use jiff::civil::date;
    let rules = store.spot_rules().await?;
    let period = Period {
        from: date(2023, 12, 1),
        to: date(2026, 11, 24),
    };
    let crashes = store
        .spot_crashes(period.from, period.to, &rules.infrastructure_causes)
        .await?;
    let rs = rules.for_date(period.to);
    let found = screen(rs, &crashes, period);
    let actor = Actor::system();
    let mut n = 0;
    for c in &found {
        let name = match c.place.road.as_deref() {
            Some("QL1A") => "QL1A đoạn Km 1531+200 (dữ liệu mẫu)",
            Some("ĐT704") => "ĐT704 gần Ninh Chử, Km 6+500 (dữ liệu mẫu)",
            _ => continue,
        };
        let spot = store
            .spot_create(
                &actor,
                &atgt_store::hotspots::NewSpot::from_candidate(name, c),
            )
            .await?;
        let road = c.place.road.as_deref().unwrap_or_default();
        let mut steps = vec![
            SpotAction::Confirm {
                survey_notes: "Khảo sát hiện trường: đường cong, tầm nhìn bị che khuất, thiếu biển cảnh báo (dữ liệu mẫu)".into(),
            },
            SpotAction::ProposeTreatment {
                measures: "Cắm biển cảnh báo, sơn vạch gờ giảm tốc, phát quang tầm nhìn, bổ sung đèn chiếu sáng".into(),
                cost_vnd: if road == "QL1A" { 450_000_000 } else { 180_000_000 },
                responsible_unit: "Sở Xây dựng tỉnh Khánh Hòa".into(),
                deadline: if road == "QL1A" { date(2026, 9, 30) } else { date(2026, 3, 31) },
                proposal: if road == "QL1A" {
                    "Cải tạo nút giao QL1A đoạn qua xã Xuân Hải".into()
                } else {
                    "Mở rộng Tỉnh lộ 704".into()
                },
            },
        ];
        if road == "ĐT704" {
            steps.push(SpotAction::MarkTreated {
                treated_on: date(2026, 3, 15),
                note: String::new(),
            });
            steps.push(SpotAction::StartMonitoring {
                note: "Theo dõi 12 tháng sau xử lý".into(),
            });
        }
        for a in &steps {
            store.spot_act(&actor, spot.id, a).await?;
        }
        n += 1;
    }
    Ok(n)
}
