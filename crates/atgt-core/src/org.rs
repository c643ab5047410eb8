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
