//! Plans and accountability: the plan as a document (its place in the cascade
//! Directive → provincial plan → locality plan → unit action plans, its sections and
//! passages), tasks with one lead unit (chủ trì) and coordinating units (phối hợp),
//! recurrence of periodic reports, and the urging rules (due soon, overdue,
//! escalation to the unit's superior). The clock is injected, so the urging is
//! tested with a fixed date.
//!
//! The seed plan is held as data (`data/plans/kh-hu-ninh-hai-ct23.toml`), structured
//! from its text; `tests/seed_plan.rs` checks it against the text.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// The seed plan, structured (see the file's header).
pub const SEED_PLAN: &str = include_str!("../../../data/plans/kh-hu-ninh-hai-ct23.toml");

/// Joins the lines of a text copied from a PDF as one paragraph: lines trimmed, empty
/// lines dropped, joined by one space, except after a word broken at a hyphen
/// ("23-" + "CT/TW" → "23-CT/TW").
pub fn join_lines(src: &str) -> String {
    let mut out = String::new();
    for line in src.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if out.is_empty() {
            out.push_str(line);
            continue;
        }
        let broken =
            out.ends_with('-') && out.chars().rev().nth(1).is_some_and(|c| !c.is_whitespace());
        if !broken {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// A document of the chain above a plan (a directive, the provincial plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocRecord {
    /// Stable key of the record, e.g. "KH-235-TU".
    pub code: String,
    /// directive | plan | action_plan | programme
    pub kind: String,
    /// Number and symbol as written, e.g. "235-KH/TU".
    pub number: String,
    pub title: String,
    /// The issuing body as the document names it.
    pub issuer_name: String,
    /// The organisation code of the issuer, when it is one of ours; may be empty.
    #[serde(default)]
    pub issuer_org: String,
    /// "YYYY-MM-DD"; empty when the copy does not show it.
    #[serde(default)]
    pub issued_on: String,
    /// Code of the document this one implements; empty at the top.
    #[serde(default)]
    pub implements: String,
    #[serde(default)]
    pub signer: String,
    #[serde(default)]
    pub signer_title: String,
    /// The opening paragraph, exactly.
    #[serde(default)]
    pub preamble: String,
    #[serde(default)]
    pub recipients: Vec<String>,
}

/// A section of a plan: "I- Mục tiêu, yêu cầu".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionRecord {
    pub number: String,
    pub heading: String,
    /// goal | task | assignment
    pub kind: String,
}

/// A numbered passage of a section, with the units it binds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRecord {
    pub section: String,
    pub number: i64,
    /// A short name for lists.
    pub short: String,
    /// The passage exactly (lines joined), without its "N. " number.
    pub text: String,
    /// Lead unit (organisation code).
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub coordinators: Vec<String>,
    /// One task per unit, each unit leading its own ("các tổ chức cơ sở Đảng trực thuộc").
    #[serde(default)]
    pub each: Vec<String>,
    /// The words of the passage naming the lead, the coordinators, the units of `each`,
    /// the receiver and the deadline: the test finds them in the passage.
    #[serde(default)]
    pub lead_phrase: String,
    #[serde(default)]
    pub coordinator_phrases: Vec<String>,
    #[serde(default)]
    pub each_phrase: String,
    /// The unit the results are sent through.
    #[serde(default)]
    pub receiver: String,
    #[serde(default)]
    pub receiver_phrase: String,
    /// "YYYY-MM-DD".
    #[serde(default)]
    pub due: String,
    #[serde(default)]
    pub due_phrase: String,
    /// none | monthly | quarterly | yearly
    #[serde(default)]
    pub recurrence: String,
    #[serde(default)]
    pub recurrence_note: String,
    /// "text" when the passage names the units, "focal" when the focal officer chose.
    #[serde(default)]
    pub assigned: String,
    /// The passage calls for a conference (hội nghị quán triệt).
    #[serde(default)]
    pub event: bool,
}

/// A plan as data: the chain above it, the plan, its sections and passages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    #[serde(default)]
    pub chain: Vec<DocRecord>,
    pub plan: DocRecord,
    pub sections: Vec<SectionRecord>,
    pub items: Vec<ItemRecord>,
}

impl PlanFile {
    /// Parses and checks a plan file: every item in a declared section, numbers in
    /// order from 1, dates and recurrences valid, a lead never among its coordinators.
    pub fn parse(s: &str) -> Result<PlanFile, String> {
        let f: PlanFile = toml::from_str(s).map_err(|e| e.to_string())?;
        for d in f.chain.iter().chain(std::iter::once(&f.plan)) {
            if !d.issued_on.is_empty() && d.issued_on.parse::<Date>().is_err() {
                return Err(format!("{}: bad issued_on '{}'", d.code, d.issued_on));
            }
        }
        for s in &f.sections {
            let nums: Vec<i64> = f
                .items
                .iter()
                .filter(|i| i.section == s.number)
                .map(|i| i.number)
                .collect();
            if nums != (1..=nums.len() as i64).collect::<Vec<_>>() {
                return Err(format!("section {}: items not numbered 1..n", s.number));
            }
        }
        for i in &f.items {
            let at = format!("{}.{}", i.section, i.number);
            if !f.sections.iter().any(|s| s.number == i.section) {
                return Err(format!("{at}: unknown section"));
            }
            if !i.due.is_empty() && i.due.parse::<Date>().is_err() {
                return Err(format!("{at}: bad due '{}'", i.due));
            }
            if !i.recurrence.is_empty() && Recurrence::parse(&i.recurrence).is_none() {
                return Err(format!("{at}: bad recurrence '{}'", i.recurrence));
            }
            if !i.lead.is_empty() && i.coordinators.contains(&i.lead) {
                return Err(format!("{at}: lead among coordinators"));
            }
        }
        Ok(f)
    }

    /// The shipped seed plan.
    pub fn seed() -> PlanFile {
        Self::parse(SEED_PLAN).expect("the shipped seed plan is valid")
    }
}

/// How often a task's report is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Recurrence {
    /// Once, by the due date.
    None,
    Monthly,
    Quarterly,
    Yearly,
}

impl Recurrence {
    pub const ALL: [Recurrence; 4] = [
        Recurrence::None,
        Recurrence::Monthly,
        Recurrence::Quarterly,
        Recurrence::Yearly,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Recurrence::None => "none",
            Recurrence::Monthly => "monthly",
            Recurrence::Quarterly => "quarterly",
            Recurrence::Yearly => "yearly",
        }
    }
    pub fn parse(s: &str) -> Option<Recurrence> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label_key(self) -> String {
        format!("plans.recurrence_{}", self.as_str())
    }

    /// The reporting period containing `d`: its key ("2023-09", "2023-Q3", "2023"),
    /// first and last day. `None` for one-off tasks.
    pub fn period(self, d: Date) -> Option<(String, Date, Date)> {
        let y = d.year();
        let (key, first, last) = match self {
            Recurrence::None => return None,
            Recurrence::Monthly => {
                let first = d.first_of_month();
                (format!("{y}-{:02}", d.month()), first, d.last_of_month())
            }
            Recurrence::Quarterly => {
                let q = (d.month() - 1) / 3;
                let first = Date::new(y, q * 3 + 1, 1).ok()?;
                let last = Date::new(y, q * 3 + 3, 1).ok()?.last_of_month();
                (format!("{y}-Q{}", q + 1), first, last)
            }
            Recurrence::Yearly => (
                format!("{y}"),
                Date::new(y, 1, 1).ok()?,
                Date::new(y, 12, 31).ok()?,
            ),
        };
        Some((key, first, last))
    }

    /// The period before the one containing `d`.
    pub fn previous_period(self, d: Date) -> Option<(String, Date, Date)> {
        let (_, first, _) = self.period(d)?;
        self.period(first.yesterday().ok()?)
    }
}

/// A task's state as the focal officer sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaskStatus {
    Open,
    /// Finished; the date it was finished decides on time or late.
    Done,
    /// Closed without further reports (superseded, handed over).
    Closed,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 3] = [TaskStatus::Open, TaskStatus::Done, TaskStatus::Closed];
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Done => "done",
            TaskStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<TaskStatus> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label_key(self) -> String {
        format!("plans.status_{}", self.as_str())
    }
    /// No reports are taken on a finished or closed task.
    pub fn accepts_reports(self) -> bool {
        self == TaskStatus::Open
    }
}

/// Checks a task's units and deadline. Returns the field and the i18n key of the
/// first problem.
pub fn check_task(
    lead: Option<i64>,
    coordinators: &[i64],
    due: Option<Date>,
    not_before: Option<Date>,
) -> Result<(), (&'static str, &'static str)> {
    let Some(lead) = lead else {
        return Err(("lead", "plans.error_lead_required"));
    };
    if coordinators.contains(&lead) {
        return Err(("coordinators", "plans.error_coordinator_is_lead"));
    }
    if let (Some(d), Some(min)) = (due, not_before)
        && d < min
    {
        return Err(("due", "plans.error_due_before_issue"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Urging

/// Where "today" comes from: the system clock in service, a fixed date in tests and
/// in `atgt plans remind --now`.
pub trait Clock {
    fn now(&self) -> Timestamp;
    /// Today in Vietnam.
    fn today(&self) -> Date {
        crate::time::local_date(self.now())
    }
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

pub struct FixedClock(pub Timestamp);
impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// The urging settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgeConfig {
    /// A task is "due soon" this many days before its deadline.
    pub due_soon_days: i64,
    /// An overdue task is escalated to the lead unit's superior after this many days.
    pub escalate_after_days: i64,
}

impl Default for UrgeConfig {
    fn default() -> Self {
        UrgeConfig {
            due_soon_days: 7,
            escalate_after_days: 7,
        }
    }
}

/// What the urging needs to know of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFacts {
    pub id: i64,
    pub lead_org: i64,
    /// The lead unit's superior (its parent organisation).
    pub lead_parent: Option<i64>,
    pub status: TaskStatus,
    pub due: Option<Date>,
    pub recurrence: Recurrence,
    /// Periods reported by the lead unit (recurring tasks), e.g. "2023-Q3".
    pub reported_periods: Vec<String>,
    /// The day the task was created: no period before it is due.
    pub since: Date,
}

/// Where a task stands today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Finished, closed, or nothing due yet.
    Quiet,
    DueSoon {
        due: Date,
        days_left: i64,
        key: String,
    },
    Overdue {
        due: Date,
        days_late: i64,
        key: String,
    },
}

fn days(from: Date, to: Date) -> i64 {
    (to - from).get_days() as i64
}

/// A task's standing on `today`. One-off tasks are due on their date; recurring tasks
/// are due at the end of each period (the previous period is overdue when unreported).
pub fn standing(t: &TaskFacts, today: Date, cfg: &UrgeConfig) -> Standing {
    if t.status != TaskStatus::Open {
        return Standing::Quiet;
    }
    let soon = |due: Date, key: String| {
        let left = days(today, due);
        if left < 0 {
            Standing::Overdue {
                due,
                days_late: -left,
                key,
            }
        } else if left <= cfg.due_soon_days {
            Standing::DueSoon {
                due,
                days_left: left,
                key,
            }
        } else {
            Standing::Quiet
        }
    };
    match t.recurrence {
        Recurrence::None => match t.due {
            Some(due) => soon(due, due.to_string()),
            None => Standing::Quiet,
        },
        r => {
            if let Some((key, first, last)) = r.previous_period(today)
                && last >= t.since
                && !t.reported_periods.contains(&key)
            {
                let _ = first;
                return soon(last, key);
            }
            match r.period(today) {
                Some((key, _, last)) if !t.reported_periods.contains(&key) => soon(last, key),
                _ => Standing::Quiet,
            }
        }
    }
}

/// The kind of a reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReminderKind {
    DueSoon,
    Overdue,
    /// Sent to the lead unit's superior.
    Escalation,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::DueSoon => "due_soon",
            ReminderKind::Overdue => "overdue",
            ReminderKind::Escalation => "escalation",
        }
    }
    pub fn parse(s: &str) -> Option<ReminderKind> {
        [Self::DueSoon, Self::Overdue, Self::Escalation]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
    pub fn label_key(self) -> String {
        format!("plans.reminder_{}", self.as_str())
    }
}

/// A reminder to send: to whom, about which deadline (`key`: the due date or period).
/// The store records each (task, unit, kind, key) once, so running the urging twice
/// the same day sends nothing new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub task_id: i64,
    pub org_id: i64,
    pub kind: ReminderKind,
    pub key: String,
    pub due: Date,
    pub days: i64,
}

/// The reminders due on the clock's day: "due soon" and "overdue" to the lead unit,
/// and, once a task is late by the escalation delay, an escalation to its superior.
pub fn reminders(tasks: &[TaskFacts], clock: &dyn Clock, cfg: &UrgeConfig) -> Vec<Reminder> {
    let today = clock.today();
    let mut out = Vec::new();
    for t in tasks {
        match standing(t, today, cfg) {
            Standing::Quiet => {}
            Standing::DueSoon {
                due,
                days_left,
                key,
            } => out.push(Reminder {
                task_id: t.id,
                org_id: t.lead_org,
                kind: ReminderKind::DueSoon,
                key,
                due,
                days: days_left,
            }),
            Standing::Overdue {
                due,
                days_late,
                key,
            } => {
                out.push(Reminder {
                    task_id: t.id,
                    org_id: t.lead_org,
                    kind: ReminderKind::Overdue,
                    key: key.clone(),
                    due,
                    days: days_late,
                });
                if days_late >= cfg.escalate_after_days
                    && let Some(parent) = t.lead_parent
                {
                    out.push(Reminder {
                        task_id: t.id,
                        org_id: parent,
                        kind: ReminderKind::Escalation,
                        key,
                        due,
                        days: days_late,
                    });
                }
            }
        }
    }
    out
}

/// On time / late / not started, for the leader view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Progress {
    /// Done by its deadline, or open with reports and not past due.
    OnTime,
    /// Past due and open, or done after the deadline.
    Late,
    /// Open, not past due, no report yet.
    NotStarted,
    /// Closed without result (handed over or superseded).
    Closed,
}

impl Progress {
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::OnTime => "on_time",
            Progress::Late => "late",
            Progress::NotStarted => "not_started",
            Progress::Closed => "closed",
        }
    }
    pub fn label_key(self) -> String {
        format!("plans.progress_{}", self.as_str())
    }
}

/// Classifies a task for the leader view.
pub fn progress(
    t: &TaskFacts,
    reports: usize,
    done_on: Option<Date>,
    today: Date,
    cfg: &UrgeConfig,
) -> Progress {
    match t.status {
        TaskStatus::Closed => Progress::Closed,
        TaskStatus::Done => match (t.due, done_on) {
            (Some(due), Some(done)) if done > due => Progress::Late,
            _ => Progress::OnTime,
        },
        TaskStatus::Open => match standing(t, today, cfg) {
            Standing::Overdue { .. } => Progress::Late,
            _ if reports == 0 => Progress::NotStarted,
            _ => Progress::OnTime,
        },
    }
}

/// "20/09/2023".
pub fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// Parses "20/9/2023" (as plans write dates).
pub fn parse_dmy(s: &str) -> Option<Date> {
    let mut it = s.trim().split('/');
    let d: i8 = it.next()?.parse().ok()?;
    let m: i8 = it.next()?.parse().ok()?;
    let y: i16 = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    Date::new(y, m, d).ok()
}

/// A day a number of days later (for tests and the demo).
pub fn add_days(d: Date, n: i64) -> Date {
    d.checked_add(n.days()).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn at(s: &str) -> FixedClock {
        // Noon in Vietnam.
        FixedClock(format!("{s}T05:00:00Z").parse().unwrap())
    }

    fn task(due: &str) -> TaskFacts {
        TaskFacts {
            id: 1,
            lead_org: 10,
            lead_parent: Some(1),
            status: TaskStatus::Open,
            due: Some(d(due)),
            recurrence: Recurrence::None,
            reported_periods: vec![],
            since: d("2023-08-20"),
        }
    }

    #[test]
    fn joins_lines_and_hyphen_breaks() {
        assert_eq!(
            join_lines(" Chỉ thị số 23-\n\nCT/TW ngày \n\n 25/5/2023 "),
            "Chỉ thị số 23-CT/TW ngày 25/5/2023"
        );
        assert_eq!(join_lines("kinh tế -\nxã hội"), "kinh tế - xã hội");
    }

    #[test]
    fn due_soon_then_overdue_then_escalated_with_a_fixed_clock() {
        let cfg = UrgeConfig {
            due_soon_days: 7,
            escalate_after_days: 5,
        };
        let t = [task("2023-09-20")];
        assert!(reminders(&t, &at("2023-09-10"), &cfg).is_empty());
        let r = reminders(&t, &at("2023-09-13"), &cfg);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].kind, r[0].org_id, r[0].days),
            (ReminderKind::DueSoon, 10, 7)
        );
        // The deadline day itself is still "due soon" (0 days left).
        let r = reminders(&t, &at("2023-09-20"), &cfg);
        assert_eq!((r[0].kind, r[0].days), (ReminderKind::DueSoon, 0));
        let r = reminders(&t, &at("2023-09-21"), &cfg);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].kind, r[0].days), (ReminderKind::Overdue, 1));
        // Late by the escalation delay: the superior is told too.
        let r = reminders(&t, &at("2023-09-25"), &cfg);
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[1].kind, r[1].org_id, r[1].days),
            (ReminderKind::Escalation, 1, 5)
        );
        assert_eq!(r[1].key, "2023-09-20");
        // No superior: no escalation.
        let mut orphan = task("2023-09-20");
        orphan.lead_parent = None;
        assert_eq!(reminders(&[orphan], &at("2023-10-25"), &cfg).len(), 1);
        // A finished task is quiet.
        let mut done = task("2023-09-20");
        done.status = TaskStatus::Done;
        assert!(reminders(&[done], &at("2023-10-25"), &cfg).is_empty());
    }

    #[test]
    fn the_clock_day_is_vietnam_day() {
        // 2023-09-20 18:00 UTC is already 21/9 in Vietnam: overdue.
        let c = FixedClock("2023-09-20T18:00:00Z".parse().unwrap());
        let r = reminders(&[task("2023-09-20")], &c, &UrgeConfig::default());
        assert_eq!(r[0].kind, ReminderKind::Overdue);
    }

    #[test]
    fn recurring_reports_are_due_at_the_end_of_each_period() {
        let cfg = UrgeConfig::default();
        let mut t = task("2023-09-20");
        t.due = None;
        t.recurrence = Recurrence::Quarterly;
        // Q3 2023 ends 30/9: due soon on 25/9.
        assert_eq!(
            standing(&t, d("2023-09-25"), &cfg),
            Standing::DueSoon {
                due: d("2023-09-30"),
                days_left: 5,
                key: "2023-Q3".into()
            }
        );
        // Early October, Q3 unreported: overdue.
        assert!(matches!(
            standing(&t, d("2023-10-03"), &cfg),
            Standing::Overdue { days_late: 3, ref key, .. } if key == "2023-Q3"
        ));
        t.reported_periods.push("2023-Q3".into());
        assert_eq!(standing(&t, d("2023-10-03"), &cfg), Standing::Quiet);
        // A period that ended before the task existed is not owed.
        t.since = d("2023-10-02");
        t.reported_periods.clear();
        assert_eq!(standing(&t, d("2023-10-03"), &cfg), Standing::Quiet);
        assert_eq!(
            Recurrence::Monthly.period(d("2024-02-10")).unwrap(),
            ("2024-02".into(), d("2024-02-01"), d("2024-02-29"))
        );
        assert_eq!(
            Recurrence::Yearly
                .previous_period(d("2024-01-10"))
                .unwrap()
                .0,
            "2023"
        );
    }

    #[test]
    fn task_checks_name_the_field() {
        assert_eq!(
            check_task(None, &[], None, None),
            Err(("lead", "plans.error_lead_required"))
        );
        assert_eq!(
            check_task(Some(3), &[4, 3], None, None),
            Err(("coordinators", "plans.error_coordinator_is_lead"))
        );
        assert_eq!(
            check_task(Some(3), &[4], Some(d("2023-08-01")), Some(d("2023-08-16"))),
            Err(("due", "plans.error_due_before_issue"))
        );
        assert!(check_task(Some(3), &[4], Some(d("2023-09-20")), Some(d("2023-08-16"))).is_ok());
    }

    #[test]
    fn progress_classes() {
        let cfg = UrgeConfig::default();
        let t = task("2023-09-20");
        assert_eq!(
            progress(&t, 0, None, d("2023-09-01"), &cfg),
            Progress::NotStarted
        );
        assert_eq!(
            progress(&t, 1, None, d("2023-09-01"), &cfg),
            Progress::OnTime
        );
        assert_eq!(progress(&t, 1, None, d("2023-09-22"), &cfg), Progress::Late);
        let mut done = t.clone();
        done.status = TaskStatus::Done;
        assert_eq!(
            progress(&done, 1, Some(d("2023-09-19")), d("2023-12-01"), &cfg),
            Progress::OnTime
        );
        assert_eq!(
            progress(&done, 1, Some(d("2023-09-25")), d("2023-12-01"), &cfg),
            Progress::Late
        );
    }

    #[test]
    fn dates_as_plans_write_them() {
        assert_eq!(parse_dmy("20/9/2023"), Some(d("2023-09-20")));
        assert_eq!(dmy(d("2023-09-20")), "20/09/2023");
        assert_eq!(parse_dmy("31/2/2023"), None);
    }
}
