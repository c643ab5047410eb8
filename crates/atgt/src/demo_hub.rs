//! The data hub of the demo (issue 8): about three thousand synthetic vehicles (every
//! plate the sample cameras read, plus more), their certificates, driver licences with
//! training results, transport businesses and badges, truck-bed measurements, each sent
//! by the partner agency that owns it through the same sync as the API. Deterministic:
//! the same seed gives the same records. Some of each cross-check fires: vehicles read
//! on camera with an expired certificate, trucks measured with an extended bed (among
//! them the patrol case 79C-456.78), licences used in patrol cases while suspended,
//! yellow-plate vehicles without a badge.
//!
//! The inspection block (Circular 73/2024 Art. 24 k5) fires 20 days after a notice is
//! sent, and a licence reaches zero points over months: the sample locality's older
//! cases come the way a locality's do when it starts on atgt, carried over from the
//! previous processing system with their dates (`atgt import cases`). Among them a
//! camera case notified 33 days ago and still unpaid (51C-789.01 is blocked) and two
//! decided patrol cases that took licence 792000000003 to zero points, which a patrol
//! case of yesterday then names. Last, the enforcement rules run over the cross-checks:
//! each truck measured with an extended bed opens a case (Decree 168 Art. 32 k14 h).

use atgt_core::audit::Actor;
use atgt_core::hub::{Fields, Kind};
use atgt_store::Store;
use jiff::civil::Date;

const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ",
];
const MIDDLE: &[&str] = &["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thanh"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dung", "Hải", "Hoa", "Khánh", "Lan", "Nam", "Phúc", "Quang", "Thảo",
];
const COMMUNES: &[&str] = &[
    "Xã Xuân Hải",
    "Xã Tri Hải",
    "Xã Nhơn Hải",
    "Xã Thanh Hải",
    "Phường Phan Rang",
    "Phường Đông Hải",
];
const MAKES: &[&str] = &[
    "Toyota",
    "Hyundai",
    "Kia",
    "Ford",
    "Mitsubishi",
    "Hino",
    "Isuzu",
    "Thaco",
    "Honda",
    "Yamaha",
];
const BUSINESSES: &[(&str, &str)] = &[
    ("DN-01", "Công ty TNHH Vận tải Ninh Hải"),
    ("DN-02", "Hợp tác xã Vận tải Phan Rang"),
    ("DN-03", "Công ty Cổ phần Xe khách Khánh Hòa"),
    ("DN-04", "Công ty TNHH Taxi Biển Xanh"),
    ("DN-05", "Công ty TNHH Logistics Cam Ranh"),
];

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn fields(pairs: Vec<(&str, String)>) -> Fields {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

async fn send(store: &Store, partner: &str, kind: Kind, rows: Vec<Fields>) -> anyhow::Result<()> {
    let lines = rows
        .into_iter()
        .enumerate()
        .map(|(i, f)| (i + 1, Ok(f)))
        .collect();
    let r = store
        .hub_sync(&Actor::api_key(0, partner), kind, lines, "demo")
        .await?;
    if r.errors > 0 {
        let bad = r.lines.iter().find(|l| !l.errors.is_empty());
        anyhow::bail!("demo {} refused: {:?}", kind.as_str(), bad);
    }
    Ok(())
}

fn days(d: Date, n: i64) -> Date {
    d.checked_add(jiff::Span::new().days(n)).unwrap_or(d)
}

fn name(r: &mut Rng) -> String {
    format!(
        "{} {} {}",
        SURNAMES[r.below(SURNAMES.len() as u64) as usize],
        MIDDLE[r.below(MIDDLE.len() as u64) as usize],
        GIVEN[r.below(GIVEN.len() as u64) as usize]
    )
}

/// One vehicle of the demo: plate display, kind.
struct V {
    plate: String,
    kind: &'static str,
}

pub async fn seed(store: &Store) -> anyhow::Result<()> {
    let today = atgt_core::time::local_date(jiff::Timestamp::now());
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    // Every plate the sample cameras read in the last days, then synthetic ones.
    let now = atgt_store::now_us();
    let reads = store.reads_between(now - 5 * 86_400_000_000, now).await?;
    let mut seen = std::collections::HashSet::new();
    let mut vehicles: Vec<V> = Vec::new();
    for (_, read) in reads {
        if read.readable && seen.insert(read.plate_key.clone()) {
            let kind = match read.vehicle_class.as_deref() {
                Some("truck") => "truck",
                Some("motorbike") => "motorbike",
                Some("bus") => "bus",
                _ => "car",
            };
            vehicles.push(V {
                plate: read.plate_display,
                kind,
            });
        }
    }
    for p in ["79C-456.78", "51C-789.01", "85A-111.22"] {
        if seen.insert(atgt_core::plates::Plate::parse(p).key()) {
            vehicles.push(V {
                plate: p.into(),
                kind: if p.contains('C') { "truck" } else { "car" },
            });
        }
    }
    let mut n = 0u64;
    while vehicles.len() < 3000 {
        let p = format!(
            "79{}-{:03}.{:02}",
            ["A", "C", "B", "LD"][(n % 4) as usize],
            100 + n / 4 % 900,
            n % 97
        );
        n += 1;
        if seen.insert(atgt_core::plates::Plate::parse(&p).key()) {
            vehicles.push(V {
                plate: p,
                kind: ["car", "truck", "car", "bus"][(n % 4) as usize],
            });
        }
    }

    // Registration (with a few transfers as a second version), by the registry.
    let mut regs = Vec::new();
    let mut transport = Vec::new();
    for (i, v) in vehicles.iter().enumerate() {
        let org = r.below(8) == 0;
        let yellow = v.kind != "motorbike" && (v.kind == "bus" || r.below(8) == 0);
        let business = yellow.then(|| BUSINESSES[i % BUSINESSES.len()].0.to_string());
        if yellow {
            transport.push(i);
        }
        let reg = days(today, -(200 + r.below(3000) as i64));
        let owner_id = if org {
            format!("45{:08}", 10_000_000 + i)
        } else {
            format!("0560{:08}", 80_000_000 + i)
        };
        let mk = |version: i64, owner: String, id: String| {
            fields(vec![
                ("record_id", format!("DKX-{i:05}")),
                ("version", version.to_string()),
                ("plate", v.plate.clone()),
                ("colour", if yellow { "yellow" } else { "white" }.into()),
                ("kind", v.kind.into()),
                ("make", MAKES[i % MAKES.len()].into()),
                (
                    "seats",
                    match v.kind {
                        "bus" => "29",
                        "car" => "5",
                        "motorbike" => "2",
                        _ => "3",
                    }
                    .into(),
                ),
                (
                    "load_kg",
                    if v.kind == "truck" {
                        format!("{}", 2500 + 500 * (i % 10))
                    } else {
                        String::new()
                    },
                ),
                ("owner_kind", if org { "org" } else { "person" }.into()),
                ("owner_name", owner),
                ("owner_id_no", id),
                (
                    "owner_address",
                    format!("{}, tỉnh Khánh Hòa", COMMUNES[i % COMMUNES.len()]),
                ),
                ("registered_on", reg.to_string()),
                ("business_id", business.clone().unwrap_or_default()),
                (
                    "gps_status",
                    if yellow {
                        ["ok", "ok", "ok", "offline"][i % 4].into()
                    } else {
                        String::new()
                    },
                ),
            ])
        };
        let owner = if org {
            BUSINESSES[i % BUSINESSES.len()].1.to_string()
        } else {
            name(&mut r)
        };
        regs.push(mk(1, owner, owner_id.clone()));
        if !org && i % 40 == 3 {
            regs.push(mk(2, name(&mut r), format!("0561{:08}", 80_000_000 + i)));
        }
    }
    send(
        store,
        "Phòng Cảnh sát giao thông Công an tỉnh Khánh Hòa (đăng ký xe)",
        Kind::Vehicles,
        regs,
    )
    .await?;

    // Certificates (cars, trucks and buses); about one in twenty-five read on camera has
    // expired. Trucks carry their bed dimensions.
    let mut certs = Vec::new();
    let mut beds = Vec::new();
    for (i, v) in vehicles.iter().enumerate() {
        if v.kind == "motorbike" {
            continue;
        }
        let expired = i % 25 == 7;
        let valid_until = if expired {
            days(today, -(10 + (i % 50) as i64))
        } else {
            days(today, 30 + r.below(330) as i64)
        };
        let inspected = days(valid_until, -365);
        let bed = (v.kind == "truck").then(|| {
            [
                4200 + 100 * (i % 20) as i64,
                2100 + 10 * (i % 15) as i64,
                600 + 20 * (i % 10) as i64,
            ]
        });
        if let Some(b) = bed {
            beds.push((i, b));
        }
        certs.push(fields(vec![
            ("record_id", format!("KD-{i:05}")),
            ("version", "1".into()),
            ("plate", v.plate.clone()),
            ("certificate_no", format!("KĐ{:07}", 1_000_000 + i)),
            ("station", ["79-01D", "79-02D", "85-01D"][i % 3].into()),
            ("inspected_on", inspected.to_string()),
            ("valid_until", valid_until.to_string()),
            ("result", "pass".into()),
            (
                "bed_length_mm",
                bed.map(|b| b[0].to_string()).unwrap_or_default(),
            ),
            (
                "bed_width_mm",
                bed.map(|b| b[1].to_string()).unwrap_or_default(),
            ),
            (
                "bed_height_mm",
                bed.map(|b| b[2].to_string()).unwrap_or_default(),
            ),
        ]));
    }
    send(
        store,
        "Trung tâm Đăng kiểm xe cơ giới 79-01D",
        Kind::Inspections,
        certs,
    )
    .await?;

    // Bed measurements at the weigh station: most as certified, a few extended.
    let mut meas = Vec::new();
    for (k, (i, b)) in beds.iter().enumerate().take(40) {
        let extended = k % 8 == 0 || vehicles[*i].plate == "79C-456.78";
        let h = if extended {
            b[2] + 400
        } else {
            b[2] + (k % 3) as i64 * 10
        };
        meas.push(fields(vec![
            ("record_id", format!("KT-{k:04}")),
            ("version", "1".into()),
            ("plate", vehicles[*i].plate.clone()),
            ("measured_on", days(today, -1 - (k % 20) as i64).to_string()),
            ("place", "Trạm kiểm tra tải trọng xe QL1A Km 1530".into()),
            ("bed_length_mm", b[0].to_string()),
            ("bed_width_mm", b[1].to_string()),
            ("bed_height_mm", h.to_string()),
        ]));
    }
    if let Some((i, b)) = beds
        .iter()
        .find(|(i, _)| vehicles[*i].plate == "79C-456.78")
    {
        meas.push(fields(vec![
            ("record_id", "KT-9999".into()),
            ("version", "1".into()),
            ("plate", vehicles[*i].plate.clone()),
            ("measured_on", days(today, -1).to_string()),
            ("place", "Trạm kiểm tra tải trọng xe QL1A Km 1530".into()),
            ("bed_length_mm", b[0].to_string()),
            ("bed_width_mm", b[1].to_string()),
            ("bed_height_mm", (b[2] + 400).to_string()),
        ]));
    }
    send(
        store,
        "Trạm kiểm tra tải trọng xe QL1A Km 1530",
        Kind::Measurements,
        meas,
    )
    .await?;

    // Transport businesses and badges; a few transport vehicles have none, or an old one.
    let biz = BUSINESSES
        .iter()
        .enumerate()
        .map(|(i, (id, n))| {
            fields(vec![
                ("record_id", id.to_string()),
                ("version", "1".into()),
                ("name", n.to_string()),
                ("tax_code", format!("45001234{i:02}")),
                ("licence_no", format!("GPKDVT-56-{:03}", 100 + i)),
                (
                    "address",
                    format!("{}, tỉnh Khánh Hòa", COMMUNES[i % COMMUNES.len()]),
                ),
            ])
        })
        .collect();
    send(
        store,
        "Sở Xây dựng tỉnh Khánh Hòa (quản lý vận tải)",
        Kind::Businesses,
        biz,
    )
    .await?;
    let mut badges = Vec::new();
    for (k, i) in transport.iter().enumerate() {
        if k % 15 == 4 {
            continue; // no badge at all
        }
        let old = k % 15 == 9;
        let until = if old {
            days(today, -30)
        } else {
            days(today, 200 + (k % 300) as i64)
        };
        badges.push(fields(vec![
            ("record_id", format!("PH-{k:05}")),
            ("version", "1".into()),
            ("plate", vehicles[*i].plate.clone()),
            ("business_id", BUSINESSES[i % BUSINESSES.len()].0.into()),
            (
                "kind",
                if vehicles[*i].kind == "bus" {
                    "fixed_route"
                } else if vehicles[*i].kind == "truck" {
                    "truck"
                } else {
                    "contract"
                }
                .into(),
            ),
            ("valid_from", days(until, -730).to_string()),
            ("valid_until", until.to_string()),
        ]));
    }
    send(
        store,
        "Sở Xây dựng tỉnh Khánh Hòa (quản lý vận tải)",
        Kind::Badges,
        badges,
    )
    .await?;

    // Driver licences (the patrol cases' three among them, two suspended) and training.
    let mut lics = Vec::new();
    let mut training = Vec::new();
    let special: [(&str, &str, Option<Date>); 3] = [
        ("790100000001", "A1", Some(days(today, 300))),
        ("850100000002", "B", None),
        ("510100000003", "C", Some(days(today, 60))),
    ];
    for i in 0..2000usize {
        let (no, class, susp) = match special.get(i) {
            Some((n, c, s)) => (n.to_string(), *c, *s),
            None => (
                format!("79{:010}", 2_000_000_000u64 + i as u64),
                ["A1", "B", "C", "A", "D"][i % 5],
                None,
            ),
        };
        let id_no = format!("0560{:08}", 90_000_000 + i);
        let issued = days(today, -(400 + r.below(6000) as i64));
        let birth = days(issued, -(18 * 366 + r.below(9000) as i64));
        let expires = if class.starts_with('A') {
            None
        } else {
            Some(days(issued, 3650))
        };
        lics.push(fields(vec![
            ("record_id", format!("GPLX-{i:05}")),
            ("version", "1".into()),
            ("licence_no", no),
            ("class", class.into()),
            ("holder_name", name(&mut r)),
            ("holder_id_no", id_no.clone()),
            (
                "holder_address",
                format!("{}, tỉnh Khánh Hòa", COMMUNES[i % COMMUNES.len()]),
            ),
            ("birth_date", birth.to_string()),
            ("issued_on", issued.to_string()),
            (
                "expires_on",
                expires.map(|d| d.to_string()).unwrap_or_default(),
            ),
            (
                "suspended_until",
                susp.map(|d| d.to_string()).unwrap_or_default(),
            ),
        ]));
        if i % 4 == 0 {
            training.push(fields(vec![
                ("record_id", format!("SH-{i:05}")),
                ("version", "1".into()),
                ("holder_id_no", id_no),
                (
                    "centre",
                    "Trường Trung cấp nghề Ninh Thuận (đào tạo lái xe)".into(),
                ),
                ("course", format!("Khóa hạng {class} số {}", 10 + i % 30)),
                ("class", class.into()),
                ("test_on", days(issued, -14).to_string()),
                ("result", "pass".into()),
            ]));
        }
    }
    send(
        store,
        "Phòng Cảnh sát giao thông Công an tỉnh Khánh Hòa (cấp giấy phép lái xe)",
        Kind::Licences,
        lics,
    )
    .await?;
    send(
        store,
        "Trường Trung cấp nghề Ninh Thuận (đào tạo, sát hạch)",
        Kind::Training,
        training,
    )
    .await?;
    seed_carried_over(store).await?;
    Ok(())
}

/// The previous system's cases (see the module's text), a patrol case naming the
/// licence at zero, then the enforcement rules over the cross-checks.
async fn seed_carried_over(store: &Store) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let ago = |days: i64| -> anyhow::Result<String> {
        Ok(now
            .checked_sub(jiff::SignedDuration::from_hours(24 * days))?
            .to_string())
    };
    let source = "Hệ thống xử lý vi phạm trước đây của Phòng CSGT (dữ liệu chuyển đổi)";
    let lines = [
        serde_json::json!({"ref": "PC08-2026-00412", "kind": "spot_speed", "plate": "51C-789.01",
            "camera_id": "CAM-QL1A-1525", "detected_at": ago(40)?, "behaviour": "speed_car_10_20",
            "measured": 13.0, "state": "notice_sent", "notice_at": ago(33)?, "source": source}),
        serde_json::json!({"ref": "PC08-2026-00187", "kind": "patrol", "plate": "79D1-555.21",
            "detected_at": ago(120)?, "behaviour": "alcohol_moto_2", "measured": 0.3,
            "state": "paid", "fine_vnd": 6_000_000, "licence_no": "792000000003", "source": source}),
        serde_json::json!({"ref": "PC08-2026-00377", "kind": "patrol", "plate": "79D1-555.21",
            "detected_at": ago(45)?, "behaviour": "red_light_moto", "state": "decided",
            "fine_vnd": 4_000_000, "licence_no": "792000000003", "source": source}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let rep = store
        .cases_import(
            &Actor::system(),
            atgt_store::enforcement::parse_imported_cases(&text),
        )
        .await?;
    if let Some(e) = rep.rejected.first() {
        anyhow::bail!("sample carried-over case refused: {e:?}");
    }
    // Yesterday, on patrol, the same rider shows that licence.
    let officer = store.user_by_username("csgt").await.ok();
    let actor = officer
        .as_ref()
        .map(|u| Actor::user(u.id, &u.username))
        .unwrap_or_else(Actor::system);
    let plate = atgt_core::plates::Plate::parse("79D1-555.21");
    let yesterday = atgt_store::now_us() - 86_400_000_000;
    store
        .cases_open(
            &actor,
            vec![atgt_store::enforcement::NewCase {
                kind: "patrol".into(),
                dedup_key: "demo-patrol-zero-points".into(),
                plate_key: plate.key(),
                plate_display: plate.display(),
                camera_id: None,
                detected_at_us: yesterday,
                behaviour: "speed_moto_10_20".into(),
                measured: Some(12.0),
                evidence: serde_json::json!({"measured": 12.0, "place": "ĐT704 Km 5, tổ tuần tra kiểm soát"}),
                licence_no: Some("792000000003".into()),
                officer_id: officer.as_ref().map(|u| u.id),
            }],
        )
        .await?;
    let today = atgt_core::time::local_date(now);
    store.hub_check_cases(&Actor::system(), today).await?;
    Ok(())
}
