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
    // Cameras and violation processing (issue 6)
    seed_enforcement(store).await?;
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
