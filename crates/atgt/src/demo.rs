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
// The sample locality's units (shared with the tests that load the seed plan).
use atgt_core::org::SAMPLE_ORGS as ORGS;

/// The password of every demo account (sample data only).
pub const DEMO_PASSWORD: &str = "demo-atgt-2026";

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
    // events (issue 10)
    seed_events(store).await?;
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
    // plans and accountability (issue 7)
    seed_plans(store).await?;
    // Cameras and violation processing (issue 6)
    seed_enforcement(store).await?;
    // hazards, Open311 and citizen reports (issue 9, part A)
    crate::demo_hazards::seed(store).await?;
    // public portal (issue 9): lessons, news, the quiz, campaigns, rewards
    seed_education(store).await?;
    // shared data hub (issue 8)
    crate::demo_hub::seed(store).await?;
    Ok(true)
}

// Cameras and violation processing (issue 6)
/// Sample cameras on QL1A and ĐT704 (a section-control pair, a red-light and an ANPR
/// camera, a weigh-in-motion station), a day of synthetic reads with speeding and
/// section-speed cases, and a few patrol cases (alcohol, overload, cơi nới thành thùng).
#[allow(clippy::type_complexity)]
async fn seed_enforcement(store: &Store) -> anyhow::Result<()> {
    use atgt_store::enforcement::{Camera, NewCase};
    let sys = Actor::system();
    let police = store.org_by_code("CA-KH").await.ok().map(|o| o.id);
    let cams: [(&str, &str, &str, &str, f64, f64, f64, &str); 5] = [
        (
            "CAM-QL1A-1525",
            "QL1A Km 1525 (vào đoạn)",
            "speed",
            "QL1A",
            1525.0,
            109.075,
            11.795,
            "Bắc → Nam",
        ),
        (
            "CAM-QL1A-1535",
            "QL1A Km 1535 (ra đoạn)",
            "speed",
            "QL1A",
            1535.0,
            109.040,
            11.745,
            "Bắc → Nam",
        ),
        (
            "WIM-QL1A-1530",
            "Trạm cân động QL1A Km 1530",
            "wim",
            "QL1A",
            1530.0,
            109.058,
            11.770,
            "Hai chiều",
        ),
        (
            "CAM-DT704-03",
            "Nút giao ĐT704 Km 3",
            "red_light",
            "ĐT704",
            3.0,
            109.020,
            11.601,
            "Đông → Tây",
        ),
        (
            "CAM-DT704-08",
            "ĐT704 Km 8 (nhận dạng biển số)",
            "anpr",
            "ĐT704",
            8.0,
            109.065,
            11.620,
            "Hai chiều",
        ),
    ];
    for (id, name, kind, route, km, lon, lat, dir) in cams {
        store
            .camera_put(
                &sys,
                &Camera {
                    id: id.into(),
                    name: name.into(),
                    kind: kind.into(),
                    route: Some(route.into()),
                    km: Some(km),
                    lon: Some(lon),
                    lat: Some(lat),
                    direction: dir.into(),
                    owner_org_id: police,
                    vendor: "Nhà cung cấp mẫu".into(),
                    status: "active".into(),
                    last_seen_us: None,
                    uptime_pct: 0.0,
                },
            )
            .await?;
    }
    store
        .section_put(&sys, "CAM-QL1A-1525", "CAM-QL1A-1535", 10_000.0)
        .await?;
    // Yesterday, local time: 1,500 vehicles through the section, 80 at the junction.
    let today = atgt_core::time::local_date(jiff::Timestamp::now());
    let day = today
        .yesterday()?
        .to_datetime(jiff::civil::Time::midnight())
        .to_zoned_datetime(atgt_core::time::vn_tz())?
        .timestamp();
    let start = atgt_core::time::to_micros(day);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut lines = Vec::new();
    let line = |cam: &str,
                at_us: i64,
                plate: &str,
                speed: Option<f64>,
                class: &str,
                lines: &mut Vec<String>| {
        let at = jiff::Timestamp::from_microsecond(at_us).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let speed = speed
            .map(|s| format!(",\"speed_kmh\":{s:.1}"))
            .unwrap_or_default();
        lines.push(format!(
            "{{\"event_id\":\"demo-{}\",\"camera_id\":\"{cam}\",\"read_at\":\"{at}\",\"plate\":\"{plate}\",\"plate_confidence\":93.0,\"vehicle_class\":\"{class}\"{speed}}}",
            lines.len()
        ));
    };
    for v in 0..1500u64 {
        let class = ["car", "car", "truck", "motorbike"][rnd(4) as usize];
        let province = ["79", "85", "51", "29"][rnd(4) as usize];
        let series = if class == "motorbike" {
            format!("{}1", ["B", "C", "D"][rnd(3) as usize])
        } else {
            ["A", "C", "LD", "K"][rnd(4) as usize].to_string()
        };
        let plate = format!("{province}{series}-{:03}.{:02}", rnd(1000), rnd(100));
        let t0 = start + (v as i64) * 57_000_000 + rnd(20_000_000) as i64;
        // Average speed over 10 km: mostly lawful, a few fast.
        let avg = if rnd(25) == 0 {
            100.0 + rnd(30) as f64
        } else {
            55.0 + rnd(25) as f64
        };
        let dt = (10.0 / avg * 3600.0 * 1e6) as i64;
        let spot = |base: f64, r: u64| base - 8.0 + r as f64;
        let (s1, s2) = (spot(avg, rnd(12)), spot(avg, rnd(12)));
        line("CAM-QL1A-1525", t0, &plate, Some(s1), class, &mut lines);
        line(
            "CAM-QL1A-1535",
            t0 + dt,
            &plate,
            Some(s2),
            class,
            &mut lines,
        );
        if v % 19 == 0 {
            line(
                "CAM-DT704-03",
                t0 + 3_600_000_000,
                &plate,
                None,
                class,
                &mut lines,
            );
        }
        if v % 7 == 0 {
            line(
                "CAM-DT704-08",
                t0 + 1_800_000_000,
                &plate,
                None,
                class,
                &mut lines,
            );
        }
    }
    // Plates the camera could not read are kept for review.
    line(
        "CAM-DT704-08",
        start + 40_000_000_000,
        "8?C-1??",
        None,
        "car",
        &mut lines,
    );
    let rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                i + 1,
                atgt_core::enforcement::parse_read(l).map_err(|e| {
                    atgt_store::enforcement::LineReject {
                        line: i + 1,
                        field: e.field.into(),
                        key: e.key.into(),
                        reason: String::new(),
                    }
                }),
            )
        })
        .collect();
    let camera_vendor = Actor::api_key(0, "camera-demo");
    let rep = store.ingest_reads(&camera_vendor, rows).await?;
    if !rep.rejected.is_empty() {
        anyhow::bail!("sample reads rejected: {:?}", rep.rejected.first());
    }
    store
        .detect(&sys, start, start + 2 * 86_400_000_000)
        .await?;
    // Patrol cases by the demo traffic police officer.
    let officer = store.user_by_username("csgt").await.ok();
    let actor = officer
        .as_ref()
        .map(|u| Actor::user(u.id, &u.username))
        .unwrap_or_else(Actor::system);
    let catalog = store.catalog().await?;
    let patrol: [(&str, &str, &str, Option<f64>, &str, &str); 4] = [
        (
            "79B1-234.56",
            "alcohol",
            "motorbike",
            Some(0.32),
            "790100000001",
            "ĐT704 Km 2, tổ tuần tra kiểm soát",
        ),
        (
            "85A-111.22",
            "alcohol",
            "car",
            Some(0.45),
            "850100000002",
            "QL1A Km 1528",
        ),
        (
            "79C-456.78",
            "bed_extension",
            "truck",
            None,
            "",
            "Trạm cân QL1A Km 1530: thùng cơi nới 40 cm",
        ),
        (
            "51C-789.01",
            "overload",
            "truck",
            Some(42.0),
            "510100000003",
            "Trạm cân QL1A Km 1530: vượt 42% tải trọng",
        ),
    ];
    let mut new = Vec::new();
    for (i, (plate, group, vehicle, measured, licence, place)) in patrol.into_iter().enumerate() {
        let p = atgt_core::plates::Plate::parse(plate);
        let b = catalog
            .select(group, vehicle, measured)
            .ok_or_else(|| anyhow::anyhow!("no band for {group}"))?;
        new.push(NewCase {
            kind: "patrol".into(),
            dedup_key: format!("demo-patrol-{i}"),
            plate_key: p.key(),
            plate_display: p.display(),
            camera_id: None,
            detected_at_us: start + (10 + i as i64) * 3_600_000_000,
            behaviour: b.code.clone(),
            measured,
            evidence: serde_json::json!({"measured": measured, "place": place}),
            licence_no: (!licence.is_empty()).then(|| licence.to_string()),
            officer_id: officer.as_ref().map(|u| u.id),
        });
    }
    store.cases_open(&actor, new).await?;
    Ok(())
}

// plans and accountability (issue 7)
/// The seed plan exactly as data (with the documents above it and its tasks), and a
/// little sample activity: reports, a conference, a unit's action plan, a hand-over
/// to a new commune after 1/7/2025. The sample items say "(mẫu)".
async fn seed_plans(store: &Store) -> anyhow::Result<()> {
    use atgt_core::plans::PlanFile;
    use atgt_store::plans::{PlanInput, ReportInput, TaskFilter};
    use jiff::civil::date;
    let sys = Actor::system();
    let plan = store.plan_import(&sys, &PlanFile::seed()).await?;
    let tasks = store
        .tasks(&TaskFilter {
            plan_id: Some(plan),
            ..Default::default()
        })
        .await?;
    let task = |label: &str, lead: &str| {
        tasks
            .iter()
            .find(|t| t.item_label.as_deref() == Some(label) && t.lead.code == lead)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("seed plan task {label} {lead} missing"))
    };
    let org = |code: &'static str| async move { store.org_by_code(code).await.map(|o| o.id) };
    let report =
        |org_id: i64, on: jiff::civil::Date, percent: i64, period: &str, text: &str| ReportInput {
            org_id,
            period: period.to_string(),
            reported_on: on,
            percent,
            text: format!("{text} (dữ liệu mẫu)"),
            file: None,
        };
    let iii1 = task("III.1", "BTG-HU-NH")?;
    store
        .plan_event_add(
            &sys,
            plan,
            iii1.item_id,
            "Hội nghị quán triệt Chỉ thị số 23-CT/TW (mẫu)",
            Some(date(2023, 9, 6)),
            "Hội trường Huyện ủy (mẫu)",
            &[
                (org("DUCA-NH").await?, 18),
                (org("UBND-NH").await?, 12),
                (org("MTTQ-NH").await?, 6),
                (org("HD-NH").await?, 5),
                (org("BTG-HU-NH").await?, 4),
            ],
        )
        .await?;
    store
        .task_report_add(
            &sys,
            iii1.id,
            &report(
                iii1.lead.id,
                date(2023, 9, 6),
                100,
                "",
                "Đã tham mưu tổ chức Hội nghị quán triệt ngày 06/9/2023",
            ),
        )
        .await?;
    let iii2 = task("III.2", "DUCA-NH")?;
    store
        .task_report_add(
            &sys,
            iii2.id,
            &report(
                iii2.lead.id,
                date(2023, 9, 18),
                100,
                "",
                "Đã quán triệt đến cán bộ, đảng viên và gửi Kế hoạch hành động",
            ),
        )
        .await?;
    store
        .plan_create(
            &sys,
            &PlanInput {
                code: "KH-DUCA-NH-CT23-MAU".into(),
                kind: "action_plan".into(),
                number: "…-KH/ĐU (mẫu)".into(),
                title: "Kế hoạch hành động thực hiện Chỉ thị số 23-CT/TW của Đảng ủy Công an huyện (dữ liệu mẫu)".into(),
                issuer_name: "Đảng ủy Công an huyện Ninh Hải".into(),
                issuer_org: "DUCA-NH".into(),
                issued_on: "2023-09-15".into(),
                parent_id: Some(plan),
                source_task_id: Some(iii2.id),
                ..Default::default()
            },
        )
        .await?;
    let iii4 = task("III.4", "MTTQ-NH")?;
    store
        .task_report_add(
            &sys,
            iii4.id,
            &report(
                iii4.lead.id,
                date(2023, 10, 2),
                60,
                "",
                "Đang xây dựng chương trình phối hợp với các đoàn thể",
            ),
        )
        .await?;
    let iii5 = task("III.5", "DUCA-NH")?;
    store
        .task_report_add(
            &sys,
            iii5.id,
            &report(
                iii5.lead.id,
                date(2023, 10, 5),
                100,
                "2023-Q3",
                "Báo cáo quý III/2023 gửi Ban Thường vụ Huyện ủy",
            ),
        )
        .await?;
    let ii4 = task("II.4", "PKTHT-NH")?;
    store
        .task_lead_change(
            &sys,
            ii4.id,
            Some(org("UBND-XH").await?),
            "Sắp xếp đơn vị hành chính: từ 1/7/2025 không tổ chức cấp huyện, xã Xuân Hải tiếp nhận (mẫu)",
        )
        .await?;
    Ok(())
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
    let rows = records.into_iter().enumerate().map(|(i, r)| (i + 1, Ok(r)));
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

// ---------------------------------------------------------------------------------------
// events (issue 10): tourist peaks, parking, a diversion plan around Ninh Chữ beach,
// congestion incidents, a training course, rescue response times.

/// A local Vietnam time as UTC microseconds.
fn vn(y: i16, m: i8, d: i8, h: i8, min: i8) -> i64 {
    jiff::civil::date(y, m, d)
        .at(h, min, 0, 0)
        .to_zoned_datetime(atgt_core::time::vn_tz())
        .map(|z| z.timestamp().as_microsecond())
        .unwrap_or(0)
}

/// The diversion map around Ninh Chữ beach: the beach road closed to cars, a one-way
/// access from ĐT704, the detour, signs and staff posts (illustrative geometry near the
/// demo's ĐT704).
const NINH_CHU_GEOMETRY: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"kind":"closed","label":"Đường ven biển Ninh Chữ: cấm ô tô 16h–22h"},
  "geometry":{"type":"LineString","coordinates":[[109.026,11.590],[109.031,11.592],[109.036,11.594],[109.041,11.596]]}},
 {"type":"Feature","properties":{"kind":"one_way","label":"Đường vào bãi biển: một chiều từ ĐT704"},
  "geometry":{"type":"LineString","coordinates":[[109.040,11.608],[109.040,11.602],[109.041,11.596]]}},
 {"type":"Feature","properties":{"kind":"detour","label":"Tuyến tránh về ĐT704"},
  "geometry":{"type":"LineString","coordinates":[[109.026,11.590],[109.022,11.595],[109.018,11.600],[109.015,11.600]]}},
 {"type":"Feature","properties":{"kind":"sign","label":"Biển cấm ô tô, biển chỉ dẫn tuyến tránh"},
  "geometry":{"type":"MultiPoint","coordinates":[[109.026,11.591],[109.040,11.607]]}},
 {"type":"Feature","properties":{"kind":"staff_post","label":"Chốt Công an phường Ninh Chử"},
  "geometry":{"type":"Point","coordinates":[109.040,11.607]}},
 {"type":"Feature","properties":{"kind":"staff_post","label":"Chốt Cảnh sát giao thông"},
  "geometry":{"type":"Point","coordinates":[109.026,11.590]}}]}"#;

async fn seed_events(store: &Store) -> anyhow::Result<()> {
    use atgt_store::events::{
        CourseInput, DiversionInput, IncidentInput, ParkingInput, Participants, PeakInput,
        StretchInput,
    };
    let sys = Actor::system();
    let mut peaks = Vec::new();
    for (name, kind, from, to, visitors, measures) in [
        (
            "Tết Nguyên đán Ất Tỵ 2025",
            "tet",
            "2025-01-25",
            "2025-02-02",
            60_000,
            "Tăng cường tuần tra, kiểm soát nồng độ cồn; phân luồng đường ven biển Ninh Chữ vào buổi chiều.",
        ),
        (
            "Mùa du lịch hè 2025",
            "tourist_season",
            "2025-06-01",
            "2025-08-31",
            180_000,
            "Bố trí bãi đỗ xe tạm, xử lý dừng đỗ xe dọc ĐT704 đoạn qua Ninh Chữ.",
        ),
        (
            "Tết Nguyên đán Bính Ngọ 2026",
            "tet",
            "2026-02-14",
            "2026-02-22",
            65_000,
            "Phân luồng đường ven biển Ninh Chữ 16h–22h; chốt điều tiết tại ngã ba ĐT704; kiểm tra nồng độ cồn.",
        ),
        (
            "Lễ 30/4 – 1/5 năm 2026",
            "holiday",
            "2026-04-30",
            "2026-05-03",
            45_000,
            "Phân luồng đường vào bãi biển; tăng cường lực lượng điều tiết tại bãi đỗ xe Ninh Chữ, Bình Tiên.",
        ),
        (
            "Mùa du lịch hè 2026",
            "tourist_season",
            "2026-06-01",
            "2026-08-31",
            200_000,
            "Kích hoạt phương án phân luồng cuối tuần; xử lý dừng đỗ xe dọc đường ven biển.",
        ),
        (
            "Lễ Quốc khánh 2/9 năm 2026",
            "holiday",
            "2026-08-29",
            "2026-09-02",
            35_000,
            "Phân luồng khu vực biển Ninh Chữ; tuần tra trên QL1A và ĐT704.",
        ),
        (
            "Tết Nguyên đán Đinh Mùi 2027",
            "tet",
            "2027-02-03",
            "2027-02-10",
            70_000,
            "Dự kiến như Tết 2026.",
        ),
    ] {
        let p = store
            .peak_create(
                &sys,
                &PeakInput {
                    name: name.into(),
                    kind: kind.into(),
                    starts_on: from.into(),
                    ends_on: to.into(),
                    expected_visitors: visitors,
                    measures: measures.into(),
                },
            )
            .await?;
        peaks.push(p.id);
    }
    let plan = store
        .diversion_create(&sys, &DiversionInput {
            name: "Phân luồng khu vực biển Ninh Chữ".into(),
            area: "Phường Ninh Chử".into(),
            description: "Cấm ô tô trên đường ven biển Ninh Chữ từ 16h đến 22h; đường vào bãi biển đi một chiều từ ĐT704; xe đi theo tuyến tránh về ĐT704. Chốt điều tiết tại ngã ba ĐT704 và đầu đường ven biển (dữ liệu mẫu).".into(),
            geometry: NINH_CHU_GEOMETRY.into(),
            points: String::new(),
            peak_id: Some(peaks[4]),
            valid_from: "2026-01-01".into(),
            valid_until: "2026-12-31".into(),
        })
        .await?;
    for (d, m) in [(14, 2), (15, 2), (30, 4), (1, 5), (20, 6), (27, 6), (4, 7)] {
        store
            .diversion_activate(&sys, plan.id, vn(2026, m, d, 16, 0), "Cao điểm buổi chiều")
            .await?;
        store
            .diversion_end(&sys, plan.id, vn(2026, m, d, 22, 0))
            .await?;
    }
    // In force now, so the public page shows it.
    store
        .diversion_activate(
            &sys,
            plan.id,
            atgt_store::now_us(),
            "Đang áp dụng (dữ liệu mẫu)",
        )
        .await?;

    let mut areas = Vec::new();
    for (name, address, commune, capacity, op, car, bike, lon, lat) in [
        (
            "Bãi đỗ xe biển Ninh Chữ",
            "Đường ven biển Ninh Chữ",
            "22834",
            300,
            "Ban Quản lý khu du lịch Ninh Chữ (mẫu)",
            30_000,
            5_000,
            109.033,
            11.597,
        ),
        (
            "Bãi đỗ xe Bình Tiên",
            "Khu du lịch Bình Tiên",
            "22846",
            120,
            "Hợp tác xã dịch vụ Bình Tiên (mẫu)",
            25_000,
            5_000,
            109.180,
            11.712,
        ),
    ] {
        let a = store
            .parking_create(
                &sys,
                &ParkingInput {
                    name: name.into(),
                    address: address.into(),
                    commune_code: Some(commune.into()),
                    lon: Some(lon),
                    lat: Some(lat),
                    capacity,
                    operator: op.into(),
                    fee_car_vnd: car,
                    fee_motorbike_vnd: bike,
                    hours: "05:00–22:00".into(),
                },
            )
            .await?;
        areas.push((a.id, capacity));
    }
    // Hourly counts on peak days: low in the morning, full in the late afternoon.
    let shape = [10, 25, 45, 60, 55, 50, 60, 75, 90, 98, 100, 85, 60, 35];
    for (y, m, d) in [(2026, 2, 15), (2026, 4, 30), (2026, 5, 1), (2026, 6, 27)] {
        for (i, (id, cap)) in areas.iter().enumerate() {
            for (h, pct) in shape.iter().enumerate() {
                let occ = (cap * pct / 100 - i as i64 * 3).clamp(0, *cap);
                let source = if i == 0 { "api" } else { "form" };
                store
                    .parking_report(&sys, *id, vn(y, m, d, 7 + h as i8, 0), occ, source)
                    .await?;
            }
        }
    }
    for (road, from, to, place, risk, measures) in [
        (
            "ĐT704",
            Some(2.8),
            Some(3.6),
            "Đoạn qua bãi biển Ninh Chữ",
            "congestion",
            "Cấm dừng đỗ 16h–22h; hướng dẫn vào bãi đỗ xe",
        ),
        (
            "ĐT704",
            Some(13.5),
            Some(14.2),
            "Đoạn gần khu du lịch Bình Tiên",
            "danger",
            "Biển cấm dừng đỗ, tuần tra cuối tuần",
        ),
        (
            "QL1A",
            Some(1531.0),
            Some(1531.6),
            "Điểm dừng mua đặc sản ven quốc lộ",
            "danger",
            "Nhắc nhở, xử lý dừng đỗ trên làn xe chạy",
        ),
    ] {
        store
            .stretch_create(
                &sys,
                &StretchInput {
                    road_code: road.into(),
                    km_from: from,
                    km_to: to,
                    place: place.into(),
                    risk: risk.into(),
                    measures: measures.into(),
                },
            )
            .await?;
    }
    for (y, m, d, h, min, dur, place, cause, queue) in [
        (
            2025,
            1,
            30,
            17,
            10,
            Some(35),
            "Ngã ba ĐT704 vào biển Ninh Chữ",
            "tourist_traffic",
            400,
        ),
        (
            2025,
            7,
            5,
            17,
            30,
            Some(70),
            "Đường ven biển Ninh Chữ",
            "roadside_parking",
            900,
        ),
        (
            2026,
            2,
            15,
            16,
            40,
            Some(25),
            "Ngã ba ĐT704 vào biển Ninh Chữ",
            "tourist_traffic",
            300,
        ),
        (
            2026,
            2,
            17,
            9,
            15,
            Some(45),
            "QL1A qua xã Xuân Hải",
            "crash",
            600,
        ),
        (
            2026,
            4,
            30,
            17,
            5,
            Some(40),
            "Đường vào bãi biển Ninh Chữ",
            "tourist_traffic",
            500,
        ),
        (
            2026,
            5,
            1,
            18,
            0,
            Some(95),
            "Đường ven biển Ninh Chữ",
            "roadside_parking",
            1200,
        ),
        (
            2026,
            6,
            27,
            17,
            20,
            Some(30),
            "Đường vào khu du lịch Bình Tiên",
            "tourist_traffic",
            350,
        ),
        (
            2026,
            8,
            31,
            16,
            50,
            Some(55),
            "Ngã ba ĐT704 vào biển Ninh Chữ",
            "festival",
            700,
        ),
    ] {
        let start = vn(y, m, d, h, min);
        store
            .incident_create(
                &sys,
                &IncidentInput {
                    started_at_us: start,
                    ended_at_us: dur.map(|x: i64| start + x * 60_000_000),
                    place: place.into(),
                    road_code: Some(
                        if place.starts_with("QL1A") {
                            "QL1A"
                        } else {
                            "ĐT704"
                        }
                        .into(),
                    ),
                    commune_code: Some("22834".into()),
                    lon: None,
                    lat: None,
                    cause: cause.into(),
                    queue_m: queue,
                    handling_unit: "Công an phường Ninh Chử".into(),
                    note: "Dữ liệu mẫu".into(),
                },
            )
            .await?;
    }
    store
        .course_create(
            &sys,
            &CourseInput {
                title: "Tập huấn kỹ năng sơ cấp cứu, cứu hộ, cứu nạn tai nạn giao thông".into(),
                audience: "both".into(),
                starts_on: "2026-03-10".into(),
                ends_on: "2026-03-11".into(),
                place: "Hội trường Công an huyện Ninh Hải (mẫu)".into(),
                organiser: "Công an huyện Ninh Hải".into(),
                participants: vec![
                    Participants {
                        unit: "Công an huyện Ninh Hải".into(),
                        participants: 18,
                    },
                    Participants {
                        unit: "Công an xã Ninh Hải".into(),
                        participants: 8,
                    },
                    Participants {
                        unit: "Công an phường Ninh Chử".into(),
                        participants: 9,
                    },
                    Participants {
                        unit: "Trung tâm Y tế khu vực (mẫu)".into(),
                        participants: 6,
                    },
                ],
            },
        )
        .await?;
    // Response times for some 2026 crashes: police after 8–25 min, rescue after 12–40.
    let f = atgt_store::crashes::CrashFilter {
        from: Some("2026-01-01".into()),
        to: Some("2026-12-31".into()),
        ..Default::default()
    };
    let (crashes, _) = store.crashes(&f, 24, 0).await?;
    for (i, c) in crashes.iter().enumerate() {
        let i = i as i64;
        let call = c.occurred_at_us + 3 * 60_000_000;
        store
            .response_time_set(
                &sys,
                c.id,
                call,
                Some(call + (8 + (i * 7) % 18) * 60_000_000),
                Some(call + (12 + (i * 11) % 29) * 60_000_000),
            )
            .await?;
    }
    Ok(())
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

// public portal (issue 9)
/// Sample lessons and news for pupils and young people, a five-question quiz on
/// helmets, alcohol, speed and licence points (figures from Decree 168/2024/NĐ-CP and
/// Law 36/2024/QH15 as recorded in the project's legal notes), two campaigns with their
/// reach and three rewards. Sample items say "(mẫu)".
pub async fn seed_education(store: &Store) -> anyhow::Result<()> {
    use atgt_core::education::{ArticleInput, CampaignInput, QuestionInput, RewardInput};
    let sys = Actor::system();
    let articles: [(&str, &str, &str, &str, &str, &str); 5] = [
        (
            "lesson",
            "Đội mũ bảo hiểm đúng cách",
            "Mũ đạt chuẩn, đúng cỡ đầu, cài quai chắc chắn mỗi khi ngồi lên xe mô tô, xe gắn máy, xe đạp điện.",
            "Người điều khiển và người ngồi trên xe mô tô, xe gắn máy phải đội mũ bảo hiểm và cài quai đúng quy cách.\n\nChọn mũ có tem hợp quy, vừa cỡ đầu; quai cài sát cằm, chỉ luồn vừa một ngón tay. Mũ đã bị va đập mạnh cần thay mới.\n\nĐội mũ bảo hiểm đúng cách giảm đáng kể nguy cơ chấn thương sọ não khi xảy ra tai nạn.",
            "students",
            "2026-09-05",
        ),
        (
            "lesson",
            "Đã uống rượu, bia thì không lái xe",
            "Mọi nồng độ cồn khi điều khiển phương tiện đều bị xử phạt, kể cả mức thấp nhất.",
            "Điều khiển xe mà trong máu hoặc hơi thở có nồng độ cồn đều bị xử phạt.\n\nVới xe mô tô, xe gắn máy: mức chưa vượt quá 0,25 mg/1 lít khí thở bị phạt tiền từ 2.000.000 đến 3.000.000 đồng và trừ 4 điểm giấy phép lái xe; vượt quá 0,4 mg/1 lít khí thở bị phạt từ 8.000.000 đến 10.000.000 đồng và tước giấy phép lái xe từ 22 đến 24 tháng.\n\nVới ô tô: mức cao nhất bị phạt từ 30.000.000 đến 40.000.000 đồng và tước giấy phép lái xe từ 22 đến 24 tháng.",
            "young_people",
            "2026-09-12",
        ),
        (
            "lesson",
            "Đi đúng tốc độ, giữ khoảng cách an toàn",
            "Chạy quá tốc độ là nguyên nhân hàng đầu của nhiều vụ tai nạn nghiêm trọng.",
            "Xe mô tô, xe gắn máy chạy quá tốc độ quy định trên 20 km/h bị phạt tiền từ 6.000.000 đến 8.000.000 đồng và trừ 4 điểm giấy phép lái xe.\n\nÔ tô chạy quá tốc độ từ 10 km/h đến 20 km/h bị phạt từ 4.000.000 đến 6.000.000 đồng và trừ 2 điểm giấy phép lái xe.\n\nHãy quan sát biển báo tốc độ, giảm tốc khi qua trường học, khu dân cư và giữ khoảng cách với xe phía trước.",
            "students",
            "2026-09-19",
        ),
        (
            "news",
            "Phát động Tháng an toàn giao thông trong trường học (mẫu)",
            "Các trường trên địa bàn ra quân tuyên truyền đầu năm học mới.",
            "Sáng 05/9/2026, Đoàn Thanh niên xã Xuân Hải phối hợp Công an xã và các trường học tổ chức lễ phát động Tháng an toàn giao thông.\n\nHọc sinh được hướng dẫn đội mũ bảo hiểm đúng cách và ký cam kết chấp hành pháp luật về trật tự, an toàn giao thông.",
            "everyone",
            "2026-09-06",
        ),
        (
            "news",
            "Sơ kết tuyên truyền an toàn giao thông quý III (mẫu)",
            "Kết quả các buổi tuyên truyền tại trường học và khu dân cư.",
            "Trong quý III/2026 đã tổ chức 24 buổi tuyên truyền tại 8 trường học với hơn 4.000 học sinh tham dự.\n\nCác đơn vị tiếp tục duy trì mô hình cổng trường an toàn giao thông.",
            "everyone",
            "2026-10-05",
        ),
    ];
    for (kind, title, summary, body, audience, date) in articles {
        let a = ArticleInput {
            kind: kind.into(),
            title: title.into(),
            summary: summary.into(),
            body: body.into(),
            audience: audience.into(),
            published_on: date.into(),
            published: true,
        }
        .check()
        .map_err(|r| anyhow::anyhow!("sample article: {r:?}"))?;
        store.edu_article_save(&sys, None, &a).await?;
    }
    let questions: [(&str, &str, &str, &str); 5] = [
        (
            "Khi ngồi trên xe mô tô, xe gắn máy, người điều khiển và người ngồi sau phải làm gì?",
            "Chỉ người điều khiển phải đội mũ bảo hiểm\nĐội mũ bảo hiểm và cài quai đúng quy cách\nĐội mũ bất kỳ, không cần cài quai",
            "2",
            "Người điều khiển và người ngồi trên xe mô tô, xe gắn máy đều phải đội mũ bảo hiểm và cài quai đúng quy cách.",
        ),
        (
            "Người điều khiển xe mô tô có nồng độ cồn chưa vượt quá 0,25 mg/1 lít khí thở thì bị xử lý thế nào?",
            "Không bị xử phạt vì chưa vượt mức cho phép\nChỉ bị nhắc nhở\nPhạt tiền từ 2.000.000 đến 3.000.000 đồng và trừ 4 điểm giấy phép lái xe",
            "3",
            "Theo Nghị định 168/2024/NĐ-CP, mọi nồng độ cồn đều bị xử phạt; mức thấp nhất với xe mô tô là phạt từ 2 đến 3 triệu đồng và trừ 4 điểm.",
        ),
        (
            "Người lái ô tô có nồng độ cồn vượt quá 0,4 mg/1 lít khí thở bị xử phạt ra sao?",
            "Phạt tiền từ 30.000.000 đến 40.000.000 đồng và tước giấy phép lái xe từ 22 đến 24 tháng\nPhạt tiền từ 6.000.000 đến 8.000.000 đồng\nTrừ 4 điểm giấy phép lái xe",
            "1",
            "Đây là mức cao nhất đối với ô tô theo Điều 6 Nghị định 168/2024/NĐ-CP.",
        ),
        (
            "Xe mô tô chạy quá tốc độ quy định trên 20 km/h bị xử phạt thế nào?",
            "Phạt tiền từ 800.000 đến 1.000.000 đồng\nPhạt tiền từ 6.000.000 đến 8.000.000 đồng và trừ 4 điểm giấy phép lái xe\nKhông bị xử phạt nếu đường vắng",
            "2",
            "Điều 7 khoản 8 điểm a Nghị định 168/2024/NĐ-CP: phạt từ 6 đến 8 triệu đồng, trừ 4 điểm giấy phép lái xe.",
        ),
        (
            "Mỗi giấy phép lái xe có bao nhiêu điểm?",
            "10 điểm\n12 điểm\n20 điểm",
            "2",
            "Luật Trật tự, an toàn giao thông đường bộ năm 2024 (Điều 58): mỗi giấy phép lái xe có 12 điểm; được phục hồi đủ 12 điểm nếu không bị trừ điểm trong 12 tháng.",
        ),
    ];
    for (i, (q, options, correct, explanation)) in questions.into_iter().enumerate() {
        let q = QuestionInput {
            position: i as i64 + 1,
            question: q.into(),
            options: options.into(),
            correct: correct.into(),
            explanation: explanation.into(),
            active: true,
        }
        .check()
        .map_err(|r| anyhow::anyhow!("sample question: {r:?}"))?;
        store.edu_question_save(&sys, None, &q).await?;
    }
    let campaigns = [
        CampaignInput {
            name: "Tháng an toàn giao thông năm học 2026–2027 (mẫu)".into(),
            description: "Tuyên truyền Luật Trật tự, an toàn giao thông đường bộ cho học sinh; hướng dẫn đội mũ bảo hiểm đúng cách; ký cam kết của học sinh và phụ huynh.".into(),
            starts_on: "01/09/2026".into(),
            ends_on: "30/09/2026".into(),
            units: "Đoàn Thanh niên xã Xuân Hải; Công an xã Xuân Hải; các trường THCS, THPT trên địa bàn".into(),
            audience: "students".into(),
            schools: 8,
            students: 4250,
            participants: 5100,
            published: true,
        },
        CampaignInput {
            name: "Tuổi trẻ nói không với rượu, bia khi tham gia giao thông (mẫu)".into(),
            description: "Chuỗi hoạt động tuyên truyền tại khu dân cư và nơi làm việc của thanh niên: sân khấu hóa, thi tìm hiểu pháp luật, ký cam kết.".into(),
            starts_on: "15/10/2026".into(),
            ends_on: "15/12/2026".into(),
            units: "Đoàn Thanh niên; Hội Liên hiệp Thanh niên; Công an tỉnh Khánh Hòa".into(),
            audience: "young_people".into(),
            schools: 3,
            students: 1200,
            participants: 3400,
            published: true,
        },
    ];
    let mut first_campaign = None;
    for c in campaigns {
        let c = c
            .check()
            .map_err(|r| anyhow::anyhow!("sample campaign: {r:?}"))?;
        let row = store.edu_campaign_save(&sys, None, &c).await?;
        first_campaign.get_or_insert(row.id);
    }
    let rewards = [
        (
            "unit",
            "Trường THPT Ninh Hải (mẫu)",
            "giay_khen",
            "245/QĐ-UBND",
            "10/10/2026",
            "Chủ tịch UBND xã Xuân Hải",
            "Hoàn thành xuất sắc Tháng an toàn giao thông năm học 2026–2027",
        ),
        (
            "unit",
            "Đoàn Thanh niên xã Xuân Hải (mẫu)",
            "bang_khen",
            "1520/QĐ-UBND",
            "20/10/2026",
            "Chủ tịch UBND tỉnh Khánh Hòa",
            "Có thành tích xuất sắc trong công tác tuyên truyền an toàn giao thông cho học sinh",
        ),
        (
            "person",
            "Nguyễn Thị Mẫu, giáo viên (mẫu)",
            "giay_khen",
            "246/QĐ-UBND",
            "10/10/2026",
            "Chủ tịch UBND xã Xuân Hải",
            "Tích cực hướng dẫn học sinh đội mũ bảo hiểm đúng cách",
        ),
    ];
    for (kind, who, form, no, date, issuer, reason) in rewards {
        let w = RewardInput {
            recipient_kind: kind.into(),
            recipient: who.into(),
            form: form.into(),
            decision_no: no.into(),
            decided_on: date.into(),
            issuer: issuer.into(),
            reason: reason.into(),
            campaign_id: first_campaign,
        }
        .check()
        .map_err(|r| anyhow::anyhow!("sample reward: {r:?}"))?;
        store.edu_reward_save(&sys, None, &w).await?;
    }
    Ok(())
}
