//! The life of a spot: candidate → confirmed (who, when, the site survey, photos) →
//! treatment proposed (measures, cost in đồng, responsible unit, deadline, the
//! infrastructure proposal it links to) → treated → monitored → closed, or re-opened.
//! Which actions are allowed from which status is decided here; the store records
//! every transition in the audit chain.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpotStatus {
    Candidate,
    Confirmed,
    TreatmentProposed,
    Treated,
    Monitored,
    Closed,
    Reopened,
}

impl SpotStatus {
    pub const ALL: [SpotStatus; 7] = [
        SpotStatus::Candidate,
        SpotStatus::Confirmed,
        SpotStatus::TreatmentProposed,
        SpotStatus::Treated,
        SpotStatus::Monitored,
        SpotStatus::Closed,
        SpotStatus::Reopened,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SpotStatus::Candidate => "candidate",
            SpotStatus::Confirmed => "confirmed",
            SpotStatus::TreatmentProposed => "treatment_proposed",
            SpotStatus::Treated => "treated",
            SpotStatus::Monitored => "monitored",
            SpotStatus::Closed => "closed",
            SpotStatus::Reopened => "reopened",
        }
    }
    pub fn parse(s: &str) -> Option<SpotStatus> {
        SpotStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_key(self) -> String {
        format!("hotspots.status.{}", self.as_str())
    }
    /// Map colour of the status.
    pub fn colour(self) -> &'static str {
        match self {
            SpotStatus::Candidate => "#d97706",
            SpotStatus::Confirmed | SpotStatus::Reopened => "#dc2626",
            SpotStatus::TreatmentProposed => "#7c3aed",
            SpotStatus::Treated => "#2563eb",
            SpotStatus::Monitored => "#0891b2",
            SpotStatus::Closed => "#16a34a",
        }
    }
}

/// A lifecycle action with what it records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SpotAction {
    /// The site survey confirms the spot.
    Confirm { survey_notes: String },
    /// A treatment is proposed to the competent authority.
    ProposeTreatment {
        measures: String,
        cost_vnd: i64,
        responsible_unit: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        deadline: Date,
        /// The infrastructure proposal it belongs to (e.g. widening ĐT704).
        proposal: String,
    },
    /// The works are done.
    MarkTreated {
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        treated_on: Date,
        note: String,
    },
    /// Crashes are watched after the treatment.
    StartMonitoring { note: String },
    /// Closed: after monitoring, or a candidate the survey did not confirm.
    Close { note: String },
    /// Crashes came back (or the survey is redone).
    Reopen { note: String },
}

/// Why an action is refused: the i18n key and the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub key: &'static str,
}

impl SpotAction {
    pub fn name(&self) -> &'static str {
        match self {
            SpotAction::Confirm { .. } => "confirm",
            SpotAction::ProposeTreatment { .. } => "propose_treatment",
            SpotAction::MarkTreated { .. } => "mark_treated",
            SpotAction::StartMonitoring { .. } => "start_monitoring",
            SpotAction::Close { .. } => "close",
            SpotAction::Reopen { .. } => "reopen",
        }
    }

    /// The statuses this action may start from.
    pub fn from(&self) -> &'static [SpotStatus] {
        use SpotStatus::*;
        match self {
            SpotAction::Confirm { .. } => &[Candidate],
            SpotAction::ProposeTreatment { .. } => &[Confirmed, Reopened],
            SpotAction::MarkTreated { .. } => &[TreatmentProposed],
            SpotAction::StartMonitoring { .. } => &[Treated],
            SpotAction::Close { .. } => &[Candidate, Monitored],
            SpotAction::Reopen { .. } => &[Monitored, Closed],
        }
    }

    pub fn to(&self) -> SpotStatus {
        match self {
            SpotAction::Confirm { .. } => SpotStatus::Confirmed,
            SpotAction::ProposeTreatment { .. } => SpotStatus::TreatmentProposed,
            SpotAction::MarkTreated { .. } => SpotStatus::Treated,
            SpotAction::StartMonitoring { .. } => SpotStatus::Monitored,
            SpotAction::Close { .. } => SpotStatus::Closed,
            SpotAction::Reopen { .. } => SpotStatus::Reopened,
        }
    }

    /// Checks the action from `status`: the transition must be allowed and the
    /// action's fields filled in.
    pub fn check(&self, status: SpotStatus) -> Result<SpotStatus, Refusal> {
        if !self.from().contains(&status) {
            return Err(Refusal {
                field: "action",
                key: "hotspots.error.transition",
            });
        }
        let need = |s: &str, field: &'static str| {
            if s.trim().is_empty() {
                Err(Refusal {
                    field,
                    key: "error.required",
                })
            } else {
                Ok(())
            }
        };
        match self {
            SpotAction::Confirm { survey_notes } => need(survey_notes, "survey_notes")?,
            SpotAction::ProposeTreatment {
                measures,
                cost_vnd,
                responsible_unit,
                ..
            } => {
                need(measures, "measures")?;
                need(responsible_unit, "responsible_unit")?;
                if *cost_vnd < 0 {
                    return Err(Refusal {
                        field: "cost_vnd",
                        key: "hotspots.error.cost",
                    });
                }
            }
            SpotAction::Close { note } | SpotAction::Reopen { note } => need(note, "note")?,
            SpotAction::MarkTreated { .. } | SpotAction::StartMonitoring { .. } => {}
        }
        Ok(self.to())
    }
}

/// A treatment is overdue when proposed and its deadline has passed.
pub fn overdue(status: SpotStatus, deadline: Option<Date>, today: Date) -> bool {
    status == SpotStatus::TreatmentProposed && deadline.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_lifecycle_runs_in_order_and_refuses_skips() {
        let confirm = SpotAction::Confirm {
            survey_notes: "Khảo sát hiện trường: tầm nhìn bị che khuất".into(),
        };
        let propose = SpotAction::ProposeTreatment {
            measures: "Cắm biển cảnh báo, gờ giảm tốc".into(),
            cost_vnd: 250_000_000,
            responsible_unit: "Sở Xây dựng".into(),
            deadline: date(2026, 6, 30),
            proposal: "Mở rộng ĐT704".into(),
        };
        let treated = SpotAction::MarkTreated {
            treated_on: date(2026, 6, 1),
            note: String::new(),
        };
        let monitor = SpotAction::StartMonitoring {
            note: String::new(),
        };
        let close = SpotAction::Close {
            note: "12 tháng không có vụ nào".into(),
        };
        let reopen = SpotAction::Reopen {
            note: "Tai nạn lặp lại".into(),
        };
        let mut s = SpotStatus::Candidate;
        for a in [
            &confirm, &propose, &treated, &monitor, &close, &reopen, &propose,
        ] {
            s = a
                .check(s)
                .unwrap_or_else(|e| panic!("{} from {s:?}: {e:?}", a.name()));
        }
        assert_eq!(s, SpotStatus::TreatmentProposed);
        // Skipping a step is refused.
        let bad = Refusal {
            field: "action",
            key: "hotspots.error.transition",
        };
        assert_eq!(treated.check(SpotStatus::Candidate), Err(bad.clone()));
        assert_eq!(propose.check(SpotStatus::Candidate), Err(bad.clone()));
        assert_eq!(monitor.check(SpotStatus::Confirmed), Err(bad.clone()));
        assert_eq!(close.check(SpotStatus::Treated), Err(bad));
        // A confirmation needs the survey; a proposal its measures and unit.
        let empty = SpotAction::Confirm {
            survey_notes: " ".into(),
        };
        assert_eq!(
            empty.check(SpotStatus::Candidate).unwrap_err().field,
            "survey_notes"
        );
        let neg = SpotAction::ProposeTreatment {
            measures: "x".into(),
            cost_vnd: -1,
            responsible_unit: "y".into(),
            deadline: date(2026, 1, 1),
            proposal: String::new(),
        };
        assert_eq!(
            neg.check(SpotStatus::Confirmed).unwrap_err().field,
            "cost_vnd"
        );
    }

    #[test]
    fn overdue_only_when_proposed_and_past_the_deadline() {
        let d = Some(date(2026, 6, 30));
        assert!(!overdue(
            SpotStatus::TreatmentProposed,
            d,
            date(2026, 6, 30)
        ));
        assert!(overdue(SpotStatus::TreatmentProposed, d, date(2026, 7, 1)));
        assert!(!overdue(SpotStatus::Treated, d, date(2026, 7, 1)));
    }
}
