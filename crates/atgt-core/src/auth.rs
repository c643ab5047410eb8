//! Roles, permissions and the matrix between them. Security-sensitive.
//!
//! Every route of the web layer names one [`Perm`]; [`allows`] is the only place that
//! decides whether a role holds it. Machine clients (API keys) hold scopes instead of a
//! role; [`Perm::scope`] names the scope that grants a permission to a key.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The roles of design.md. The public (no login) has no role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// System administrator: units, users, API keys, reference data.
    Admin,
    /// Bí thư, Chủ tịch UBND: progress, the three criteria, overdue units.
    Leader,
    /// Focal officer (e.g. Đảng uỷ Công an huyện): breaks plans into tasks, consolidates.
    FocalOfficer,
    /// Officer of a department, commune, Front, mass organisation or school.
    UnitOfficer,
    /// Traffic police officer: reviews detections, records patrol violations.
    PoliceOfficer,
    /// Approves dismissals and downgrades (four-eyes).
    Supervisor,
    /// Road and transport analyst: crashes, black spots, evaluations.
    Analyst,
    /// Inspector or auditor: reads everything, verifies the audit chain.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Leader,
        Role::FocalOfficer,
        Role::UnitOfficer,
        Role::PoliceOfficer,
        Role::Supervisor,
        Role::Analyst,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::FocalOfficer => "focal_officer",
            Role::UnitOfficer => "unit_officer",
            Role::PoliceOfficer => "police_officer",
            Role::Supervisor => "supervisor",
            Role::Analyst => "analyst",
            Role::Auditor => "auditor",
        }
    }

    /// The i18n key of the role's name.
    pub fn label_key(self) -> String {
        format!("role.{}", self.as_str())
    }

    /// Rank used where a second person "of higher role" must approve.
    pub fn rank(self) -> u8 {
        match self {
            Role::UnitOfficer | Role::PoliceOfficer | Role::Analyst => 1,
            Role::FocalOfficer | Role::Auditor => 2,
            Role::Supervisor => 3,
            Role::Leader | Role::Admin => 4,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}'")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Perm {
    /// Anyone, signed in or not (health check, login page, the public portal).
    Public,
    /// Any signed-in person, whatever the role (home, own account, password change).
    SignedIn,
    /// Reference data: administrative units and their old→new mapping.
    ReferenceRead,
    /// The list of organisations and units.
    OrgsRead,
    /// Create and edit organisations and units.
    OrgsManage,
    /// The list of users.
    UsersRead,
    /// Create users, change roles and scopes, reset passwords, deactivate.
    UsersManage,
    /// Create and revoke API keys for machine clients.
    ApiKeysManage,
    /// Read the audit log.
    AuditRead,
    /// Verify the audit chain.
    AuditVerify,
    /// Prometheus metrics.
    Metrics,
    /// Crash records, statistics, maps and exports (no personal data).
    CrashesRead,
    /// The people of a crash (ages, injuries, alcohol results): sensitive personal data.
    CrashesPersonal,
    /// Register crashes and record new versions.
    CrashesWrite,
    /// Import crash files.
    CrashesImport,
    /// Edit rules held as data (crash classes, criteria, fines) that are marked editable.
    RulesManage,
    // plans and accountability (issue 7)
    /// Plans, tasks, reports, the urging lists and the leader view.
    PlansRead,
    /// File progress reports and comments for one's own unit.
    PlansReport,
    /// Record plans, assign and reassign tasks, run the urging, issue the consolidated
    /// report, record conferences.
    PlansManage,
    // events (issue 10)
    /// Tourist peaks, parking, diversion plans, congestion, training, response times.
    EventsRead,
    /// Record peaks, parking areas, diversion plans, incidents, courses, response times.
    EventsWrite,
    /// Report a parking area's occupancy (staff on a form, a counting device by key).
    ParkingReport,
    /// Activate and end a diversion plan.
    DiversionsActivate,
    // hotspots: black-spot screening (issue 5)
    /// Black spots: screening, the spot list and map, a spot's page, exports.
    SpotsRead,
    /// Record spots and move them through their lifecycle (survey, treatment, closure).
    SpotsManage,
    // Cameras and violation processing (issue 6)
    /// Send plate reads and camera images (machine clients with the `ingest` scope).
    Ingest,
    /// Cameras, reads, violation cases and their evidence (sensitive personal data).
    EnforcementRead,
    /// Act on violation cases: review, confirm, notices, decisions, patrol entries,
    /// propose or approve (the approver's rank is checked by the workflow).
    CasesWork,
    /// Register cameras and sections, run the detection rules.
    CamerasManage,
    // hazards, Open311 and citizen reports (issue 9, part A)
    /// Encroachment cases, railway crossings, proposals.
    HazardsRead,
    /// Record and move encroachment cases, crossings and proposals.
    HazardsManage,
    /// The queue of citizen reports (with the reporters' contact) and its triage.
    ReportsTriage,
    /// Post Open311 service requests (machine clients with the `open311:submit` scope).
    Open311Submit,
    // public portal (issue 9): education and campaigns
    /// Staff pages of lessons, news, the quiz, campaigns and rewards.
    EducationRead,
    /// Record lessons, news, quiz questions, campaigns with their reach, and rewards.
    EducationManage,
    // shared data hub (issue 8)
    /// Hub records without personal data: vehicles, certificates, licences, badges;
    /// search, the vehicle page, the change feed.
    HubRead,
    /// Owners' and licence holders' personal data (every read is logged with its purpose).
    HubPersonal,
    /// The inspection station's flags of a vehicle (unresolved violation block) and the
    /// list of firing cross-checks.
    HubFlagsRead,
    /// Sync vehicle and registration records.
    HubVehiclesWrite,
    /// Sync inspection certificates.
    HubInspectionsWrite,
    /// Sync driver licences.
    HubLicencesWrite,
    /// Sync training and test results.
    HubTrainingWrite,
    /// Sync transport businesses and their badges.
    HubBusinessesWrite,
    /// Sync truck-bed measurements (weigh and check stations, patrols).
    HubMeasurementsWrite,
    /// The personal-data access log and a data subject's access history.
    HubAccessLog,
}

impl Perm {
    pub const ALL: [Perm; 45] = [
        Perm::Public,
        Perm::SignedIn,
        Perm::ReferenceRead,
        Perm::OrgsRead,
        Perm::OrgsManage,
        Perm::UsersRead,
        Perm::UsersManage,
        Perm::ApiKeysManage,
        Perm::AuditRead,
        Perm::AuditVerify,
        Perm::Metrics,
        Perm::CrashesRead,
        Perm::CrashesPersonal,
        Perm::CrashesWrite,
        Perm::CrashesImport,
        Perm::RulesManage,
        // plans and accountability (issue 7)
        Perm::PlansRead,
        Perm::PlansReport,
        Perm::PlansManage,
        // events (issue 10)
        Perm::EventsRead,
        Perm::EventsWrite,
        Perm::ParkingReport,
        Perm::DiversionsActivate,
        // hotspots: black-spot screening (issue 5)
        Perm::SpotsRead,
        Perm::SpotsManage,
        // Cameras and violation processing (issue 6)
        Perm::Ingest,
        Perm::EnforcementRead,
        Perm::CasesWork,
        Perm::CamerasManage,
        // hazards, Open311 and citizen reports (issue 9, part A)
        Perm::HazardsRead,
        Perm::HazardsManage,
        Perm::ReportsTriage,
        Perm::Open311Submit,
        // public portal (issue 9)
        Perm::EducationRead,
        Perm::EducationManage,
        // shared data hub (issue 8)
        Perm::HubRead,
        Perm::HubPersonal,
        Perm::HubFlagsRead,
        Perm::HubVehiclesWrite,
        Perm::HubInspectionsWrite,
        Perm::HubLicencesWrite,
        Perm::HubTrainingWrite,
        Perm::HubBusinessesWrite,
        Perm::HubMeasurementsWrite,
        Perm::HubAccessLog,
    ];

    /// The API-key scope that grants this permission to a machine client, if any.
    /// Machine clients never get the permissions of people (user and key management).
    pub fn scope(self) -> Option<&'static str> {
        match self {
            Perm::Public => Some("public"),
            Perm::ReferenceRead => Some("reference:read"),
            Perm::OrgsRead => Some("orgs:read"),
            Perm::AuditRead => Some("audit:read"),
            Perm::AuditVerify => Some("audit:read"),
            Perm::Metrics => Some("metrics"),
            Perm::CrashesRead => Some("crashes:read"),
            Perm::CrashesImport | Perm::CrashesWrite => Some("crashes:write"),
            Perm::CrashesPersonal | Perm::RulesManage => None,
            // hotspots: black-spot screening (issue 5)
            Perm::SpotsRead => Some("spots:read"),
            Perm::SpotsManage => None,
            Perm::SignedIn
            | Perm::OrgsManage
            | Perm::UsersRead
            | Perm::UsersManage
            | Perm::ApiKeysManage => None,
            // plans and accountability (issue 7)
            Perm::PlansRead => Some("plans:read"),
            Perm::PlansReport | Perm::PlansManage => None,
            // events (issue 10)
            Perm::EventsRead => Some("events:read"),
            Perm::EventsWrite | Perm::DiversionsActivate => Some("events:write"),
            Perm::ParkingReport => Some("parking:report"),
            // Cameras and violation processing (issue 6)
            Perm::Ingest => Some("ingest"),
            Perm::EnforcementRead | Perm::CasesWork | Perm::CamerasManage => None,
            // hazards, Open311 and citizen reports (issue 9, part A)
            Perm::HazardsRead => Some("hazards:read"),
            Perm::Open311Submit => Some("open311:submit"),
            Perm::HazardsManage | Perm::ReportsTriage => None,
            // public portal (issue 9)
            Perm::EducationRead | Perm::EducationManage => None,
            // shared data hub (issue 8): one scope per partner need
            Perm::HubRead => Some("hub:read"),
            Perm::HubPersonal => Some("hub:owners:read"),
            Perm::HubFlagsRead => Some("hub:flags:read"),
            Perm::HubVehiclesWrite => Some("hub:vehicles:write"),
            Perm::HubInspectionsWrite => Some("hub:inspections:write"),
            Perm::HubLicencesWrite => Some("hub:licences:write"),
            Perm::HubTrainingWrite => Some("hub:training:write"),
            Perm::HubBusinessesWrite => Some("hub:businesses:write"),
            Perm::HubMeasurementsWrite => Some("hub:measurements:write"),
            Perm::HubAccessLog => None,
        }
    }
}

/// Every scope an API key can be given.
pub const SCOPES: &[&str] = &[
    "reference:read",
    "orgs:read",
    "audit:read",
    "metrics",
    "ingest",
    "crashes:read",
    "crashes:write",
    // plans and accountability (issue 7)
    "plans:read",
    // events (issue 10)
    "events:read",
    "events:write",
    "parking:report",
    // hotspots: black-spot screening (issue 5)
    "spots:read",
    // hazards, Open311 and citizen reports (issue 9, part A)
    "hazards:read",
    "open311:submit",
    // shared data hub (issue 8)
    "hub:read",
    "hub:owners:read",
    "hub:flags:read",
    "hub:vehicles:write",
    "hub:inspections:write",
    "hub:licences:write",
    "hub:training:write",
    "hub:businesses:write",
    "hub:measurements:write",
];

/// The permission matrix. The only place deciding whether a role holds a permission.
pub fn allows(role: Role, perm: Perm) -> bool {
    use Perm::*;
    use Role::*;
    match perm {
        Public | SignedIn | ReferenceRead => true,
        OrgsRead => true,
        OrgsManage | UsersManage | ApiKeysManage => role == Admin,
        UsersRead => matches!(role, Admin | Auditor | Leader | Supervisor),
        AuditRead => matches!(role, Admin | Auditor | Supervisor),
        AuditVerify => matches!(role, Admin | Auditor),
        Metrics => matches!(role, Admin | Auditor),
        CrashesRead => true,
        CrashesPersonal => matches!(
            role,
            PoliceOfficer | Supervisor | Analyst | FocalOfficer | Auditor
        ),
        CrashesWrite => matches!(role, PoliceOfficer | Supervisor | Analyst),
        CrashesImport => matches!(role, Analyst | Supervisor | Admin),
        RulesManage => role == Admin,
        // plans and accountability (issue 7)
        PlansRead => true,
        PlansReport => matches!(role, UnitOfficer | FocalOfficer),
        PlansManage => matches!(role, FocalOfficer | Leader),
        // events (issue 10)
        EventsRead => true,
        EventsWrite => matches!(
            role,
            FocalOfficer | UnitOfficer | PoliceOfficer | Supervisor
        ),
        ParkingReport => matches!(
            role,
            FocalOfficer | UnitOfficer | PoliceOfficer | Supervisor
        ),
        DiversionsActivate => matches!(role, PoliceOfficer | Supervisor | FocalOfficer | Leader),
        // hotspots: black-spot screening (issue 5)
        SpotsRead => true,
        SpotsManage => matches!(role, Analyst | Supervisor | FocalOfficer),
        // Cameras and violation processing (issue 6)
        Ingest => role == Admin,
        EnforcementRead => matches!(role, Admin | Leader | PoliceOfficer | Supervisor | Auditor),
        CasesWork => matches!(role, PoliceOfficer | Supervisor),
        CamerasManage => matches!(role, Admin | Supervisor),
        // hazards, Open311 and citizen reports (issue 9, part A)
        HazardsRead => true,
        HazardsManage => matches!(role, UnitOfficer | FocalOfficer | Analyst | Supervisor),
        ReportsTriage => matches!(role, UnitOfficer | FocalOfficer | Analyst | Supervisor),
        // People post through the public form; this is for partner applications.
        Open311Submit => false,
        // public portal (issue 9): education and campaigns
        EducationRead => matches!(
            role,
            Admin | Leader | FocalOfficer | UnitOfficer | Supervisor | Auditor
        ),
        EducationManage => matches!(role, Admin | FocalOfficer | UnitOfficer),
        // shared data hub (issue 8): personal data only for the roles that act on it
        HubRead => !matches!(role, UnitOfficer),
        HubPersonal => matches!(role, PoliceOfficer | Supervisor | Auditor),
        HubFlagsRead => matches!(role, Admin | Leader | PoliceOfficer | Supervisor | Auditor),
        HubVehiclesWrite | HubInspectionsWrite | HubLicencesWrite | HubTrainingWrite
        | HubBusinessesWrite | HubMeasurementsWrite => role == Admin,
        HubAccessLog => matches!(role, Admin | Auditor),
    }
}

/// Whether an API key with `scopes` holds `perm`.
pub fn key_allows(scopes: &[String], perm: Perm) -> bool {
    match perm.scope() {
        Some("public") => true,
        Some(s) => scopes.iter().any(|k| k == s),
        None => false,
    }
}

/// Checks a requested scope list; returns the first unknown scope.
pub fn check_scopes(scopes: &[String]) -> Result<(), String> {
    match scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        Some(bad) => Err(bad.clone()),
        None => Ok(()),
    }
}

/// Password policy: at least 10 characters, not only digits, not the username.
pub fn check_password(username: &str, password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 10 {
        return Err("error.password_too_short");
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err("error.password_only_digits");
    }
    if crate::text::fold(password) == crate::text::fold(username) {
        return Err("error.password_is_username");
    }
    Ok(())
}

/// Usernames: 3–64 of a–z, 0–9, '.', '_', '-'.
pub fn check_username(u: &str) -> Result<(), &'static str> {
    let ok_len = (3..=64).contains(&u.len());
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err("error.username_invalid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_admin_manages_people() {
        for r in Role::ALL {
            assert_eq!(allows(r, Perm::UsersManage), r == Role::Admin);
            assert_eq!(allows(r, Perm::ApiKeysManage), r == Role::Admin);
        }
    }

    #[test]
    fn keys_never_manage_people() {
        let all: Vec<String> = SCOPES.iter().map(|s| s.to_string()).collect();
        assert!(!key_allows(&all, Perm::UsersManage));
        assert!(!key_allows(&all, Perm::SignedIn));
        assert!(key_allows(&all, Perm::Metrics));
        assert!(!key_allows(&[], Perm::Metrics));
        assert!(key_allows(&[], Perm::Public));
    }

    // public portal (issue 9)
    #[test]
    fn education_is_recorded_by_unit_and_focal_officers() {
        for r in Role::ALL {
            assert_eq!(
                allows(r, Perm::EducationManage),
                matches!(r, Role::UnitOfficer | Role::FocalOfficer | Role::Admin)
            );
            // Whoever records may read.
            assert!(!allows(r, Perm::EducationManage) || allows(r, Perm::EducationRead));
        }
        assert!(!allows(Role::PoliceOfficer, Perm::EducationRead));
        assert!(!key_allows(&["public".into()], Perm::EducationRead));
    }

    #[test]
    fn password_policy() {
        assert!(check_password("an", "ngắn").is_err());
        assert!(check_password("an", "1234567890").is_err());
        assert!(check_password("nguyenvanan", "NguyenVanAn").is_err());
        assert!(check_password("an", "mật khẩu dài hơn").is_ok());
    }

    #[test]
    fn username_policy() {
        assert!(check_username("ca.ninhhai").is_ok());
        assert!(check_username("Có Dấu").is_err());
        assert!(check_username("ab").is_err());
    }
}
