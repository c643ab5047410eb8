//! Demo data of hazards (issue 9, part A): encroachment cases in Xuân Hải (one cleared
//! place re-encroached), official and unauthorised crossings of the North–South
//! railway by km with their measures, the ĐT704 widening proposal resting on the
//! black spots and crashes of that road, and citizen reports waiting in the queue.
//! All sample data, labelled as such.

use atgt_core::audit::Actor;
use atgt_core::geo::Point;
use atgt_core::hazards::DEFAULT_REENCROACHMENT_M;
use atgt_store::Store;
use atgt_store::hazards::{CrossingInput, EncroachmentInput, ProposalInput};
use atgt_store::hotspots::SpotFilter;
use atgt_store::reports::{NewReport, Triage};

/// The point `m` metres north of `p`.
fn north(p: Point, m: f64) -> Point {
    Point::new(
        p.lon,
        p.lat + m / atgt_core::geo::EARTH_RADIUS_M.to_radians(),
    )
}

fn report(code: &str, description: &str, p: Option<Point>, address: &str) -> NewReport {
    NewReport {
        token: atgt_web::open311::new_token(),
        service_code: code.into(),
        description: description.into(),
        lon: p.map(|p| p.lon),
        lat: p.map(|p| p.lat),
        address: address.into(),
        first_name: "Người dân (mẫu)".into(),
        phone: "0900000000".into(),
        channel: "portal".into(),
        ..Default::default()
    }
}

pub async fn seed(store: &Store) -> anyhow::Result<()> {
    let a = Actor::system();
    let d = DEFAULT_REENCROACHMENT_M;
    let market = Point::new(109.0405, 11.6081);

    // Encroachment: a market spill-over cleared, then back 30 m away.
    let first = store
        .encroachment_create(
            &a,
            &EncroachmentInput {
                place: "Chợ Khánh Hải, lòng đường 16/4 (dữ liệu mẫu)".into(),
                kind: "market".into(),
                responsible: "UBND xã Xuân Hải".into(),
                lon: market.lon,
                lat: market.lat,
                description: "Họp chợ tự phát tràn ra lòng đường vào buổi sáng".into(),
                deadline: Some("2026-08-31".into()),
                ..Default::default()
            },
            d,
        )
        .await?;
    store
        .encroachment_resolve(
            &a,
            first.id,
            "Đã giải tỏa, bố trí lại sạp trong chợ, lập biên bản cam kết với 14 hộ",
            &Some("2026-09-10".into()),
        )
        .await?;
    let again = north(market, 30.0);
    store
        .encroachment_create(
            &a,
            &EncroachmentInput {
                place: "Chợ Khánh Hải, lòng đường 16/4 — họp chợ trở lại (dữ liệu mẫu)".into(),
                kind: "market".into(),
                responsible: "UBND xã Xuân Hải".into(),
                lon: again.lon,
                lat: again.lat,
                description: "Các hộ kinh doanh bày bán trở lại trên lòng đường".into(),
                deadline: Some("2026-12-15".into()),
                ..Default::default()
            },
            d,
        )
        .await?;
    let corridor = store
        .encroachment_create(
            &a,
            &EncroachmentInput {
                place: "Hành lang an toàn QL1A Km 1531+600, lều quán bán nước (dữ liệu mẫu)".into(),
                kind: "road_corridor".into(),
                responsible: "UBND xã Xuân Hải".into(),
                lon: 109.0135,
                lat: 11.6845,
                description: "Hai lều quán dựng trong hành lang an toàn đường bộ".into(),
                deadline: Some("2026-11-30".into()),
                ..Default::default()
            },
            d,
        )
        .await?;
    let _ = corridor;
    let sidewalk = store
        .encroachment_create(
            &a,
            &EncroachmentInput {
                place: "Vỉa hè đường Yên Ninh trước trường THCS (dữ liệu mẫu)".into(),
                kind: "sidewalk".into(),
                responsible: "UBND phường Ninh Chử".into(),
                lon: 109.0702,
                lat: 11.6224,
                description: "Để xe máy, bày hàng kín vỉa hè, học sinh phải đi xuống lòng đường"
                    .into(),
                deadline: Some("2026-10-15".into()),
                ..Default::default()
            },
            d,
        )
        .await?;
    store
        .encroachment_resolve(
            &a,
            sidewalk.id,
            "Đã giải tỏa; kẻ vạch để xe, giao tổ dân phố giám sát",
            &Some("2026-10-12".into()),
        )
        .await?;

    // Railway crossings on the North–South line, by km of the sample geometry.
    let rail = crate::demo::synth_roads()
        .into_iter()
        .find(|r| r.code == "DS-BN")
        .map(|r| r.chainage);
    let at = |km: f64| rail.as_ref().and_then(|c| c.point_at(km));
    let crossings = [
        (
            "Đường ngang Km 1398+400, có người gác (dữ liệu mẫu)",
            1398.4,
            "official",
            "guarded",
            None,
        ),
        (
            "Lối đi tự mở thôn Gò Đền (dữ liệu mẫu)",
            1401.25,
            "unauthorised",
            "open",
            Some("2026-10-31"),
        ),
        (
            "Lối đi tự mở thôn Tri Thủy (dữ liệu mẫu)",
            1403.7,
            "unauthorised",
            "open",
            Some("2026-10-31"),
        ),
        (
            "Lối đi tự mở khu dân cư Mỹ Tường (dữ liệu mẫu)",
            1405.05,
            "unauthorised",
            "open",
            Some("2026-09-30"),
        ),
    ];
    let mut ids = Vec::new();
    for (name, km, kind, status, deadline) in crossings {
        let p = at(km);
        let c = store
            .crossing_create(
                &a,
                &CrossingInput {
                    name: name.into(),
                    line: String::new(),
                    km,
                    kind: kind.into(),
                    status: status.into(),
                    commune_code: None,
                    lon: p.map(|p| p.lon),
                    lat: p.map(|p| p.lat),
                    deadline: deadline.map(str::to_string),
                },
            )
            .await?;
        ids.push(c.id);
    }
    store
        .crossing_measure(
            &a,
            ids[2],
            "2026-06-10",
            "Cắm biển cảnh báo, bố trí người cảnh giới giờ cao điểm",
            "guarded",
        )
        .await?;
    store
        .crossing_measure(
            &a,
            ids[2],
            "2026-10-05",
            "Xây tường rào xóa bỏ lối đi; hướng dẫn người dân qua đường ngang Km 1403+100",
            "closed",
        )
        .await?;
    store
        .crossing_measure(
            &a,
            ids[3],
            "2026-09-20",
            "Được cấp có thẩm quyền cho phép hợp pháp hóa thành đường ngang, lắp cần chắn tự động",
            "legalised",
        )
        .await?;

    // Proposals resting on the crash evidence and the black spots.
    let spots = store.spots(&SpotFilter::default()).await?;
    let on = |road: &str| -> (String, String) {
        let s: Vec<_> = spots
            .iter()
            .filter(|s| s.road_code.as_deref() == Some(road))
            .collect();
        let spot_ids = s
            .iter()
            .map(|s| s.id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let crash_ids = s
            .iter()
            .flat_map(|s| s.crash_ids.iter().take(8))
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(",");
        (spot_ids, crash_ids)
    };
    let (spot_ids, crash_ids) = on("ĐT704");
    let p = store
        .proposal_create(
            &a,
            &ProposalInput {
                title: "Mở rộng Tỉnh lộ 704 và tuyến nối dài đến khu du lịch Ninh Chữ (dữ liệu mẫu)".into(),
                kind: "widening".into(),
                road_code: Some("ĐT704".into()),
                justification: "Mặt đường hẹp 5,5 m, lưu lượng lớn vào mùa du lịch; đoạn Km 6+500 là điểm đen đã xử lý nhưng tai nạn vẫn xảy ra ở các đoạn lân cận. Đề nghị mở rộng lên 4 làn xe, bổ sung chiếu sáng, vỉa hè.".into(),
                spot_ids,
                crash_ids,
                cost_vnd: 185_000_000_000,
                authority: "UBND tỉnh Khánh Hòa".into(),
            },
        )
        .await?;
    store
        .proposal_status(
            &a,
            p.id,
            "submitted",
            &Some("2026-10-20".into()),
            "Tờ trình số 245/TTr-UBND ngày 20/10/2026 (mẫu)",
        )
        .await?;
    let (spot_ids, crash_ids) = on("QL1A");
    let org = store
        .proposal_create(
            &a,
            &ProposalInput {
                title: "Đóng điểm mở dải phân cách QL1A Km 1531+200, tổ chức quay đầu tại nút giao (dữ liệu mẫu)".into(),
                kind: "traffic_organisation".into(),
                road_code: Some("QL1A".into()),
                justification: "Xe máy quay đầu tại điểm mở dải phân cách gây nhiều vụ va chạm; điểm đen QL1A Km 1531+200.".into(),
                spot_ids,
                crash_ids,
                cost_vnd: 650_000_000,
                authority: "Cục Đường bộ Việt Nam".into(),
            },
        )
        .await?;

    // Citizen reports: some waiting, one taken into a proposal, one forwarded.
    let public = Actor {
        kind: "public",
        id: 0,
        name: "public".into(),
    };
    let near_market = north(market, 12.0);
    store
        .report_create(
            &public,
            &report(
                "ENC-MARKET",
                "Sáng nay chợ lại họp tràn ra đường 16/4, xe máy phải đi vào làn ô tô.",
                Some(near_market),
                "Chợ Khánh Hải",
            ),
            &[],
        )
        .await?;
    let mut rail = report(
        "RAIL-CROSSING",
        "Người dân phá hàng rào mở lối đi tắt qua đường sắt, không có biển cảnh báo.",
        at(1402.1),
        "Thôn Gò Đền, gần Km 1402",
    );
    rail.attributes = vec![("km".into(), "1402.1".into())];
    store.report_create(&public, &rail, &[]).await?;
    store
        .report_create(
            &public,
            &report(
                "HAZ-POTHOLE",
                "Ổ gà sâu khoảng 15 cm giữa làn xe, đã có người ngã xe ban đêm.",
                Some(Point::new(109.0405, 11.6079)),
                "ĐT704 gần Km 5+300",
            ),
            &[],
        )
        .await?;
    let s = store
        .report_create(
            &public,
            &report(
                "TRAFFIC-ORG",
                "Xe máy quay đầu liên tục tại điểm mở dải phân cách, rất nguy hiểm.",
                Some(Point::new(109.0118, 11.6792)),
                "QL1A Km 1531+200",
            ),
            &[],
        )
        .await?;
    store
        .report_triage(&a, s.id, &Triage::Proposal(org.id), d)
        .await?;
    let mut v = report(
        "VIOLATION",
        "Xe tải biển 79C-123.45 chở vật liệu cơi nới thành thùng, rơi vãi trên đường lúc 6 giờ sáng.",
        Some(Point::new(109.0200, 11.6990)),
        "QL1A Km 1529",
    );
    v.attributes = vec![
        ("violation_kind".into(), "overload".into()),
        ("plate".into(), "79C-123.45".into()),
    ];
    let v = store.report_create(&public, &v, &[]).await?;
    store
        .report_triage(
            &a,
            v.id,
            &Triage::Forward("Đề nghị Đội CSGT kiểm tra, xử lý theo quy định".into()),
            d,
        )
        .await?;
    Ok(())
}
