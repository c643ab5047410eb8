//! Traffic-safety education (II.3): lessons and news for young people and students, a
//! short quiz scored on the server, campaigns with their reach, and rewards (khen
//! thưởng) to units and people. Inputs are checked here once; refusals name the form
//! field (`edu.*`) and an i18n key.

use crate::time::parse_date;
use jiff::civil::Date;

/// A refusal: the form field and the i18n key of the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub key: &'static str,
}

fn refuse<T>(field: &'static str, key: &'static str) -> Result<T, Refusal> {
    Err(Refusal { field, key })
}

/// Who an article or a campaign is for.
pub const AUDIENCES: &[&str] = &["students", "young_people", "parents", "everyone"];
/// Kinds of articles.
pub const ARTICLE_KINDS: &[&str] = &["lesson", "news"];
/// Forms of reward (hình thức khen thưởng).
pub const REWARD_FORMS: &[&str] = &["bang_khen", "giay_khen", "thu_khen"];
/// Who receives a reward.
pub const RECIPIENT_KINDS: &[&str] = &["unit", "person"];

fn text(v: &str, field: &'static str, max: usize) -> Result<String, Refusal> {
    let v = v.trim();
    if v.is_empty() {
        return refuse(field, "error.required");
    }
    if v.chars().count() > max {
        return refuse(field, "edu.error_too_long");
    }
    Ok(v.to_string())
}

fn one_of(v: &str, field: &'static str, list: &[&str]) -> Result<String, Refusal> {
    let v = v.trim();
    if list.contains(&v) {
        Ok(v.to_string())
    } else {
        refuse(field, "edu.error_choice")
    }
}

fn date(v: &str, field: &'static str) -> Result<Date, Refusal> {
    if v.trim().is_empty() {
        return refuse(field, "error.required");
    }
    parse_date(v.trim()).ok_or(Refusal {
        field,
        key: "edu.error_date",
    })
}

fn count(v: i64, field: &'static str) -> Result<i64, Refusal> {
    if (0..=100_000_000).contains(&v) {
        Ok(v)
    } else {
        refuse(field, "edu.error_count")
    }
}

/// A lesson or a news item as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleInput {
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub audience: String,
    pub published_on: String,
    pub published: bool,
}

/// A checked article.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub audience: String,
    pub published_on: Date,
    pub published: bool,
}

impl ArticleInput {
    pub fn check(&self) -> Result<Article, Refusal> {
        Ok(Article {
            kind: one_of(&self.kind, "edu.kind", ARTICLE_KINDS)?,
            title: text(&self.title, "edu.title", 200)?,
            summary: text(&self.summary, "edu.summary", 500)?,
            body: text(&self.body, "edu.body", 20_000)?,
            audience: one_of(&self.audience, "edu.audience", AUDIENCES)?,
            published_on: date(&self.published_on, "edu.published_on")?,
            published: self.published,
        })
    }
}

/// A quiz question as typed: the options one per line, the correct one by number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuestionInput {
    pub position: i64,
    pub question: String,
    pub options: String,
    pub correct: String,
    pub explanation: String,
    pub active: bool,
}

/// A checked quiz question; `correct` indexes `options`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Question {
    pub position: i64,
    pub question: String,
    pub options: Vec<String>,
    pub correct: usize,
    pub explanation: String,
    pub active: bool,
}

impl QuestionInput {
    pub fn check(&self) -> Result<Question, Refusal> {
        let question = text(&self.question, "edu.question", 500)?;
        let options: Vec<String> = self
            .options
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        if !(2..=5).contains(&options.len()) {
            return refuse("edu.options", "edu.error_options");
        }
        if options.iter().any(|o| o.chars().count() > 300) {
            return refuse("edu.options", "edu.error_too_long");
        }
        let correct = match self.correct.trim().parse::<usize>() {
            Ok(n) if (1..=options.len()).contains(&n) => n - 1,
            _ => return refuse("edu.correct", "edu.error_correct"),
        };
        Ok(Question {
            position: self.position.clamp(0, 1000),
            question,
            options,
            correct,
            explanation: text(&self.explanation, "edu.explanation", 1000)?,
            active: self.active,
        })
    }
}

/// Scores answers (an option index per question, `None` when left blank) against the
/// questions: which were right.
pub fn score(questions: &[Question], answers: &[Option<usize>]) -> Vec<bool> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| answers.get(i).copied().flatten() == Some(q.correct))
        .collect()
}

/// A campaign as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignInput {
    pub name: String,
    pub description: String,
    pub starts_on: String,
    pub ends_on: String,
    pub units: String,
    pub audience: String,
    pub schools: i64,
    pub students: i64,
    pub participants: i64,
    pub published: bool,
}

/// A checked campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub name: String,
    pub description: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub units: String,
    pub audience: String,
    pub schools: i64,
    pub students: i64,
    pub participants: i64,
    pub published: bool,
}

impl CampaignInput {
    pub fn check(&self) -> Result<Campaign, Refusal> {
        let name = text(&self.name, "edu.name", 200)?;
        let description = text(&self.description, "edu.description", 5000)?;
        let starts_on = date(&self.starts_on, "edu.starts_on")?;
        let ends_on = date(&self.ends_on, "edu.ends_on")?;
        if ends_on < starts_on {
            return refuse("edu.ends_on", "edu.error_period");
        }
        let students = count(self.students, "edu.students")?;
        let participants = count(self.participants, "edu.participants")?;
        if participants > 0 && students > participants {
            return refuse("edu.students", "edu.error_students");
        }
        Ok(Campaign {
            name,
            description,
            starts_on,
            ends_on,
            units: text(&self.units, "edu.units", 1000)?,
            audience: one_of(&self.audience, "edu.audience", AUDIENCES)?,
            schools: count(self.schools, "edu.schools")?,
            students,
            participants,
            published: self.published,
        })
    }
}

/// A reward as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RewardInput {
    pub recipient_kind: String,
    pub recipient: String,
    pub form: String,
    pub decision_no: String,
    pub decided_on: String,
    pub issuer: String,
    pub reason: String,
    pub campaign_id: Option<i64>,
}

/// A checked reward.
#[derive(Debug, Clone, PartialEq)]
pub struct Reward {
    pub recipient_kind: String,
    pub recipient: String,
    pub form: String,
    pub decision_no: String,
    pub decided_on: Date,
    pub issuer: String,
    pub reason: String,
    pub campaign_id: Option<i64>,
}

impl RewardInput {
    pub fn check(&self) -> Result<Reward, Refusal> {
        Ok(Reward {
            recipient_kind: one_of(&self.recipient_kind, "edu.recipient_kind", RECIPIENT_KINDS)?,
            recipient: text(&self.recipient, "edu.recipient", 200)?,
            form: one_of(&self.form, "edu.form", REWARD_FORMS)?,
            decision_no: text(&self.decision_no, "edu.decision_no", 60)?,
            decided_on: date(&self.decided_on, "edu.decided_on")?,
            issuer: text(&self.issuer, "edu.issuer", 200)?,
            reason: text(&self.reason, "edu.reason", 1000)?,
            campaign_id: self.campaign_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(correct: usize) -> Question {
        Question {
            position: 1,
            question: "?".into(),
            options: vec!["a".into(), "b".into(), "c".into()],
            correct,
            explanation: "…".into(),
            active: true,
        }
    }

    #[test]
    fn quiz_is_scored_per_question() {
        let qs = [q(0), q(2), q(1)];
        assert_eq!(
            score(&qs, &[Some(0), Some(1), None]),
            vec![true, false, false]
        );
        assert_eq!(score(&qs, &[]), vec![false, false, false]);
    }

    #[test]
    fn question_options_and_answer_are_checked() {
        let mut i = QuestionInput {
            position: 1,
            question: "Tốc độ?".into(),
            options: "50 km/h\n\n60 km/h\n".into(),
            correct: "2".into(),
            explanation: "Vì…".into(),
            active: true,
        };
        let c = i.check().unwrap();
        assert_eq!(c.options.len(), 2);
        assert_eq!(c.correct, 1);
        i.correct = "3".into();
        assert_eq!(i.check().unwrap_err().field, "edu.correct");
        i.options = "một".into();
        assert_eq!(i.check().unwrap_err().field, "edu.options");
    }

    #[test]
    fn campaign_period_and_reach_are_checked() {
        let mut c = CampaignInput {
            name: "Tháng an toàn giao thông".into(),
            description: "Tuyên truyền".into(),
            starts_on: "01/09/2026".into(),
            ends_on: "30/09/2026".into(),
            units: "Đoàn Thanh niên".into(),
            audience: "students".into(),
            schools: 12,
            students: 5000,
            participants: 6000,
            published: true,
        };
        assert!(c.check().is_ok());
        c.ends_on = "31/08/2026".into();
        assert_eq!(c.check().unwrap_err().field, "edu.ends_on");
        c.ends_on = "30/09/2026".into();
        c.students = 7000;
        assert_eq!(c.check().unwrap_err().key, "edu.error_students");
        c.students = -1;
        assert_eq!(c.check().unwrap_err().field, "edu.students");
    }

    #[test]
    fn rewards_need_a_decision() {
        let mut r = RewardInput {
            recipient_kind: "unit".into(),
            recipient: "Trường THPT Ninh Hải".into(),
            form: "giay_khen".into(),
            decision_no: "123/QĐ-UBND".into(),
            decided_on: "2026-10-01".into(),
            issuer: "Chủ tịch UBND huyện".into(),
            reason: "Thành tích".into(),
            campaign_id: None,
        };
        assert!(r.check().is_ok());
        r.decision_no = " ".into();
        assert_eq!(r.check().unwrap_err().field, "edu.decision_no");
        r.decision_no = "1".into();
        r.form = "huy_chuong".into();
        assert_eq!(r.check().unwrap_err().field, "edu.form");
    }

    #[test]
    fn articles_need_known_kind_and_audience() {
        let a = ArticleInput {
            kind: "lesson".into(),
            title: "Đội mũ bảo hiểm".into(),
            summary: "Tóm tắt".into(),
            body: "Nội dung".into(),
            audience: "students".into(),
            published_on: "2026-09-05".into(),
            published: true,
        };
        assert!(a.check().is_ok());
        let mut b = a.clone();
        b.audience = "robots".into();
        assert_eq!(b.check().unwrap_err().field, "edu.audience");
        let mut b = a;
        b.published_on = "32/13/2026".into();
        assert_eq!(b.check().unwrap_err().key, "edu.error_date");
    }
}
