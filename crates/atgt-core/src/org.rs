//! Organisations and units: Party committees and their boards, People's Committees,
//! departments, police, communes, the Fatherland Front and mass organisations, schools,
//! partner agencies. Each is attached to an administrative unit; users belong to one.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrgKind {
    /// Cấp ủy Đảng (Tỉnh ủy, Huyện ủy, Đảng ủy xã).
    PartyCommittee,
    /// Ban, văn phòng của cấp ủy (Ban Tuyên giáo, Văn phòng Huyện ủy).
    PartyBoard,
    /// Tổ chức cơ sở Đảng, Đảng ủy cơ quan (e.g. Đảng ủy Công an huyện).
    PartyOrganisation,
    /// Ủy ban nhân dân.
    PeoplesCommittee,
    /// Phòng, ban, sở, ngành.
    Department,
    /// Công an (the unit itself, e.g. Công an huyện, Đội CSGT).
    Police,
    /// Mặt trận Tổ quốc Việt Nam.
    Front,
    /// Đoàn thể chính trị - xã hội (Đoàn Thanh niên, Hội Phụ nữ, Hội Nông dân, Hội CCB, Công đoàn).
    MassOrganisation,
    /// Trường học.
    School,
    /// Partner agency (registration, inspection, licensing, camera vendor).
    Partner,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 11] = [
        OrgKind::PartyCommittee,
        OrgKind::PartyBoard,
        OrgKind::PartyOrganisation,
        OrgKind::PeoplesCommittee,
        OrgKind::Department,
        OrgKind::Police,
        OrgKind::Front,
        OrgKind::MassOrganisation,
        OrgKind::School,
        OrgKind::Partner,
        OrgKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::PartyCommittee => "party_committee",
            OrgKind::PartyBoard => "party_board",
            OrgKind::PartyOrganisation => "party_organisation",
            OrgKind::PeoplesCommittee => "peoples_committee",
            OrgKind::Department => "department",
            OrgKind::Police => "police",
            OrgKind::Front => "front",
            OrgKind::MassOrganisation => "mass_organisation",
            OrgKind::School => "school",
            OrgKind::Partner => "partner",
            OrgKind::Other => "other",
        }
    }

    pub fn label_key(self) -> String {
        format!("org_kind.{}", self.as_str())
    }

    /// Party bodies use the Party's document layout (Guidance 36-HD/VPTW).
    pub fn is_party(self) -> bool {
        matches!(
            self,
            OrgKind::PartyCommittee | OrgKind::PartyBoard | OrgKind::PartyOrganisation
        )
    }
}

impl FromStr for OrgKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown organisation kind '{s}'"))
    }
}

/// Organisation codes: 2–40 of A–Z, 0–9, '-', '_', '.'.
pub fn check_code(code: &str) -> Result<(), &'static str> {
    let ok = (2..=40).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err("error.org_code_invalid")
    }
}

/// The sample locality's units: the bodies the seed plan names (Tỉnh ủy, Huyện ủy,
/// its boards, the police, the departments, the communes and mass organisations) as
/// they stood before 1/7/2025, and the units of the new map after it. Used by the demo
/// and by the tests that load the seed plan.
/// (code, name, kind, scheme, admin code, parent code)
pub const SAMPLE_ORGS: &[(&str, &str, &str, &str, &str, &str)] = &[
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>().unwrap(), k);
        }
        assert!(OrgKind::PartyBoard.is_party());
        assert!(!OrgKind::Police.is_party());
    }

    #[test]
    fn org_codes() {
        assert!(check_code("CA-NINHHAI").is_ok());
        assert!(check_code("ca").is_err());
        assert!(check_code("X").is_err());
    }
}
