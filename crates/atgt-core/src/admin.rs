//! Administrative units: the two-tier map in force from 1/7/2025 (34 provinces and
//! their communes, wards and special zones) and the three-tier map before it
//! (province, district, commune), with the old→new mapping.
//!
//! A record dated before 1/7/2025 keeps its old unit and is also counted under the new
//! unit its old one maps to.

use crate::legal::{LegalBasis, Validity};
use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which map a unit belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scheme {
    /// Three tiers, until 30/6/2025.
    Old,
    /// Two tiers, from 1/7/2025.
    New,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Old => "old",
            Scheme::New => "new",
        }
    }

    /// The map in force on a date.
    pub fn on(d: Date) -> Scheme {
        if new_map_validity().contains(d) {
            Scheme::New
        } else {
            Scheme::Old
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "old" => Ok(Scheme::Old),
            "new" => Ok(Scheme::New),
            _ => Err(format!("unknown scheme '{s}'")),
        }
    }
}

/// Tier of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Level {
    Province,
    District,
    Commune,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
        }
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "province" => Ok(Level::Province),
            "district" => Ok(Level::District),
            "commune" => Ok(Level::Commune),
            _ => Err(format!("unknown level '{s}'")),
        }
    }
}

/// An administrative unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUnit {
    pub scheme: Scheme,
    /// The official code, zero-padded as published ("56", "22333").
    pub code: String,
    /// Name with its type, e.g. "Xã Ninh Hải", "Tỉnh Khánh Hòa".
    pub name: String,
    /// Type as published: "tỉnh", "thành phố", "xã", "phường", "đặc khu", "huyện", "thị xã"…
    pub division_type: String,
    pub level: Level,
    /// Code of the unit above (province of a commune; district of an old commune).
    pub parent_code: Option<String>,
    /// Code of the province the unit lies in (itself for a province).
    pub province_code: String,
}

/// The date the two-tier map took effect and its legal basis.
pub fn new_map_validity() -> Validity {
    Validity {
        from: date(2025, 7, 1),
        until: None,
    }
}

pub fn new_map_basis() -> LegalBasis {
    LegalBasis {
        document:
            "Nghị quyết 202/2025/QH15; các Nghị quyết của UBTVQH về sắp xếp ĐVHC cấp xã năm 2025"
                .into(),
        provision: String::new(),
        confirmed: true,
        note: "Hiệu lực 01/7/2025; mã đơn vị theo danh mục công bố".into(),
    }
}

/// Checks an administrative code: 2 (province), 3 (old district) or 5 digits (commune).
pub fn check_code(code: &str) -> Result<(), &'static str> {
    let ok = matches!(code.len(), 2 | 3 | 5) && code.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err("error.admin_code_invalid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_by_date() {
        assert_eq!(Scheme::on(date(2025, 6, 30)), Scheme::Old);
        assert_eq!(Scheme::on(date(2025, 7, 1)), Scheme::New);
        assert_eq!(Scheme::on(date(2023, 9, 20)), Scheme::Old);
    }

    #[test]
    fn codes() {
        assert!(check_code("56").is_ok());
        assert!(check_code("22333").is_ok());
        assert!(check_code("5a").is_err());
        assert!(check_code("1234").is_err());
    }
}
