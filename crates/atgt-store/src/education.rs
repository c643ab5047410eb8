//! Traffic-safety education in the database: lessons and news, quiz questions with
//! anonymous aggregate counts, campaigns with their reach, rewards. Every staff write
//! is audited in its transaction (before and after). The quiz keeps no submission:
//! only per-question and per-day counters.

use crate::audit::append;
use crate::db::Row;
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::education::{Article, Campaign, Question, Reward};
use serde::Serialize;

/// A lesson or a news item as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub audience: String,
    /// ISO date.
    pub published_on: String,
    pub published: bool,
}

fn article(r: &Row) -> StoreResult<ArticleRow> {
    Ok(ArticleRow {
        id: r.i64("id")?,
        kind: r.text("kind")?,
        title: r.text("title")?,
        summary: r.text("summary")?,
        body: r.text("body")?,
        audience: r.text("audience")?,
        published_on: r.text("published_on")?,
        published: r.bool("published")?,
    })
}

const ARTICLE_COLS: &str = "id, kind, title, summary, body, audience, published_on, published";

/// A quiz question as stored, with how often it was answered (and answered right).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionRow {
    pub id: i64,
    pub position: i64,
    pub question: String,
    pub options: Vec<String>,
    /// Index into `options`.
    pub correct: usize,
    pub explanation: String,
    pub active: bool,
    pub answered: i64,
    pub answered_right: i64,
}

fn question(r: &Row) -> StoreResult<QuestionRow> {
    Ok(QuestionRow {
        id: r.i64("id")?,
        position: r.i64("position")?,
        question: r.text("question")?,
        options: serde_json::from_str(&r.text("options_json")?).unwrap_or_default(),
        correct: usize::try_from(r.i64("correct")?).unwrap_or(0),
        explanation: r.text("explanation")?,
        active: r.bool("active")?,
        answered: r.i64("answered")?,
        answered_right: r.i64("answered_right")?,
    })
}

const QUESTION_COLS: &str =
    "id, position, question, options_json, correct, explanation, active, answered, answered_right";

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignRow {
    pub id: i64,
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

fn campaign(r: &Row) -> StoreResult<CampaignRow> {
    Ok(CampaignRow {
        id: r.i64("id")?,
        name: r.text("name")?,
        description: r.text("description")?,
        starts_on: r.text("starts_on")?,
        ends_on: r.text("ends_on")?,
        units: r.text("units")?,
        audience: r.text("audience")?,
        schools: r.i64("schools")?,
        students: r.i64("students")?,
        participants: r.i64("participants")?,
        published: r.bool("published")?,
    })
}

const CAMPAIGN_COLS: &str = "id, name, description, starts_on, ends_on, units, audience, schools, students, participants, published";

/// A reward as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RewardRow {
    pub id: i64,
    pub recipient_kind: String,
    pub recipient: String,
    pub form: String,
    pub decision_no: String,
    pub decided_on: String,
    pub issuer: String,
    pub reason: String,
    pub campaign_id: Option<i64>,
}

fn reward(r: &Row) -> StoreResult<RewardRow> {
    Ok(RewardRow {
        id: r.i64("id")?,
        recipient_kind: r.text("recipient_kind")?,
        recipient: r.text("recipient")?,
        form: r.text("form")?,
        decision_no: r.text("decision_no")?,
        decided_on: r.text("decided_on")?,
        issuer: r.text("issuer")?,
        reason: r.text("reason")?,
        campaign_id: r.opt_i64("campaign_id")?,
    })
}

const REWARD_COLS: &str =
    "id, recipient_kind, recipient, form, decision_no, decided_on, issuer, reason, campaign_id";

/// The quiz's aggregate counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuizTotals {
    pub submissions: i64,
    pub score_total: i64,
}

fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

impl Store {
    // ----------------------------------------------------------------- articles

    /// Creates (`id` none) or replaces an article; audited.
    #[tracing::instrument(skip_all)]
    pub async fn edu_article_save(
        &self,
        actor: &Actor,
        id: Option<i64>,
        a: &Article,
    ) -> StoreResult<ArticleRow> {
        let before = match id {
            Some(id) => Some(self.edu_article(id).await?),
            None => None,
        };
        let now = now_us();
        let mut tx = self.db.begin().await?;
        let args = params![
            a.kind.clone(),
            a.title.clone(),
            a.summary.clone(),
            a.body.clone(),
            a.audience.clone(),
            a.published_on.to_string(),
            a.published,
            now
        ];
        let id = match id {
            None => {
                tx.insert_id(
                    "INSERT INTO edu_articles (kind, title, summary, body, audience, published_on, published,
                       created_at_us, updated_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    &args,
                )
                .await?
            }
            Some(id) => {
                let mut args = args.to_vec();
                args.push(id.into());
                tx.execute(
                    "UPDATE edu_articles SET kind = $1, title = $2, summary = $3, body = $4, audience = $5,
                       published_on = $6, published = $7, updated_at_us = $8 WHERE id = $9",
                    &args,
                )
                .await?;
                id
            }
        };
        let after = article(
            &tx.fetch_one(
                &format!("SELECT {ARTICLE_COLS} FROM edu_articles WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        let action = if before.is_some() {
            "edu.article_update"
        } else {
            "edu.article_create"
        };
        append(
            &mut tx,
            actor.entry(
                action,
                "edu_article",
                id,
                before.as_ref().map(json).unwrap_or_default(),
                json(&after),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn edu_article(&self, id: i64) -> StoreResult<ArticleRow> {
        self.db
            .fetch_optional(
                &format!("SELECT {ARTICLE_COLS} FROM edu_articles WHERE id = $1"),
                &params![id],
            )
            .await?
            .map(|r| article(&r))
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    /// Articles of a kind (all kinds when none), newest first; only published ones
    /// when `public`.
    pub async fn edu_articles(
        &self,
        kind: Option<&str>,
        public: bool,
    ) -> StoreResult<Vec<ArticleRow>> {
        let mut sql = format!("SELECT {ARTICLE_COLS} FROM edu_articles WHERE 1 = 1");
        let mut args = Vec::new();
        if let Some(k) = kind {
            args.push(k.into());
            sql.push_str(&format!(" AND kind = ${}", args.len()));
        }
        if public {
            sql.push_str(" AND published = TRUE");
        }
        sql.push_str(" ORDER BY published_on DESC, id DESC LIMIT 200");
        self.db
            .fetch_all(&sql, &args)
            .await?
            .iter()
            .map(article)
            .collect()
    }

    // ----------------------------------------------------------------- quiz

    /// Creates or replaces a quiz question; its counters are kept. Audited.
    #[tracing::instrument(skip_all)]
    pub async fn edu_question_save(
        &self,
        actor: &Actor,
        id: Option<i64>,
        q: &Question,
    ) -> StoreResult<QuestionRow> {
        let before = match id {
            Some(id) => Some(self.edu_question(id).await?),
            None => None,
        };
        let mut tx = self.db.begin().await?;
        let args = params![
            q.position,
            q.question.clone(),
            serde_json::to_string(&q.options).unwrap_or_default(),
            q.correct as i64,
            q.explanation.clone(),
            q.active,
            now_us()
        ];
        let id = match id {
            None => {
                tx.insert_id(
                    "INSERT INTO edu_questions (position, question, options_json, correct, explanation, active,
                       updated_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    &args,
                )
                .await?
            }
            Some(id) => {
                let mut args = args.to_vec();
                args.push(id.into());
                tx.execute(
                    "UPDATE edu_questions SET position = $1, question = $2, options_json = $3, correct = $4,
                       explanation = $5, active = $6, updated_at_us = $7 WHERE id = $8",
                    &args,
                )
                .await?;
                id
            }
        };
        let after = question(
            &tx.fetch_one(
                &format!("SELECT {QUESTION_COLS} FROM edu_questions WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        let action = if before.is_some() {
            "edu.question_update"
        } else {
            "edu.question_create"
        };
        append(
            &mut tx,
            actor.entry(
                action,
                "edu_question",
                id,
                before.as_ref().map(json).unwrap_or_default(),
                json(&after),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn edu_question(&self, id: i64) -> StoreResult<QuestionRow> {
        self.db
            .fetch_optional(
                &format!("SELECT {QUESTION_COLS} FROM edu_questions WHERE id = $1"),
                &params![id],
            )
            .await?
            .map(|r| question(&r))
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    /// Questions in order; only the active ones when `active_only`.
    pub async fn edu_questions(&self, active_only: bool) -> StoreResult<Vec<QuestionRow>> {
        let filter = if active_only {
            " WHERE active = TRUE"
        } else {
            ""
        };
        self.db
            .fetch_all(
                &format!(
                    "SELECT {QUESTION_COLS} FROM edu_questions{filter} ORDER BY position, id LIMIT 50"
                ),
                &[],
            )
            .await?
            .iter()
            .map(question)
            .collect()
    }

    /// Counts one anonymous submission: per question answered and answered right, and
    /// the day's total. Nothing identifying is kept (not even the time beyond the day).
    #[tracing::instrument(skip_all)]
    pub async fn edu_quiz_count(&self, day: &str, results: &[(i64, bool)]) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let mut score = 0i64;
        for (id, right) in results {
            let r = i64::from(*right);
            score += r;
            tx.execute(
                "UPDATE edu_questions SET answered = answered + 1, answered_right = answered_right + $1 WHERE id = $2",
                &params![r, *id],
            )
            .await?;
        }
        tx.execute(
            "INSERT INTO edu_quiz_days (day, submissions, score_total) VALUES ($1, 1, $2)
             ON CONFLICT (day) DO UPDATE SET submissions = edu_quiz_days.submissions + 1,
               score_total = edu_quiz_days.score_total + $2",
            &params![day, score],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn edu_quiz_totals(&self) -> StoreResult<QuizTotals> {
        let r = self
            .db
            .fetch_one(
                "SELECT CAST(COALESCE(SUM(submissions), 0) AS BIGINT) AS n,
                        CAST(COALESCE(SUM(score_total), 0) AS BIGINT) AS s FROM edu_quiz_days",
                &[],
            )
            .await?;
        Ok(QuizTotals {
            submissions: r.i64("n")?,
            score_total: r.i64("s")?,
        })
    }

    // ----------------------------------------------------------------- campaigns

    /// Creates or replaces a campaign with its reach; audited.
    #[tracing::instrument(skip_all)]
    pub async fn edu_campaign_save(
        &self,
        actor: &Actor,
        id: Option<i64>,
        c: &Campaign,
    ) -> StoreResult<CampaignRow> {
        let before = match id {
            Some(id) => Some(self.edu_campaign(id).await?),
            None => None,
        };
        let now = now_us();
        let mut tx = self.db.begin().await?;
        let args = params![
            c.name.clone(),
            c.description.clone(),
            c.starts_on.to_string(),
            c.ends_on.to_string(),
            c.units.clone(),
            c.audience.clone(),
            c.schools,
            c.students,
            c.participants,
            c.published,
            now
        ];
        let id = match id {
            None => {
                tx.insert_id(
                    "INSERT INTO edu_campaigns (name, description, starts_on, ends_on, units, audience, schools,
                       students, participants, published, created_at_us, updated_at_us)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                    &args,
                )
                .await?
            }
            Some(id) => {
                let mut args = args.to_vec();
                args.push(id.into());
                tx.execute(
                    "UPDATE edu_campaigns SET name = $1, description = $2, starts_on = $3, ends_on = $4, units = $5,
                       audience = $6, schools = $7, students = $8, participants = $9, published = $10,
                       updated_at_us = $11 WHERE id = $12",
                    &args,
                )
                .await?;
                id
            }
        };
        let after = campaign(
            &tx.fetch_one(
                &format!("SELECT {CAMPAIGN_COLS} FROM edu_campaigns WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        let action = if before.is_some() {
            "edu.campaign_update"
        } else {
            "edu.campaign_create"
        };
        append(
            &mut tx,
            actor.entry(
                action,
                "edu_campaign",
                id,
                before.as_ref().map(json).unwrap_or_default(),
                json(&after),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn edu_campaign(&self, id: i64) -> StoreResult<CampaignRow> {
        self.db
            .fetch_optional(
                &format!("SELECT {CAMPAIGN_COLS} FROM edu_campaigns WHERE id = $1"),
                &params![id],
            )
            .await?
            .map(|r| campaign(&r))
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    /// Campaigns, latest first; only published ones when `public`.
    pub async fn edu_campaigns(&self, public: bool) -> StoreResult<Vec<CampaignRow>> {
        let filter = if public {
            " WHERE published = TRUE"
        } else {
            ""
        };
        self.db
            .fetch_all(
                &format!(
                    "SELECT {CAMPAIGN_COLS} FROM edu_campaigns{filter} ORDER BY starts_on DESC, id DESC LIMIT 200"
                ),
                &[],
            )
            .await?
            .iter()
            .map(campaign)
            .collect()
    }

    // ----------------------------------------------------------------- rewards

    /// Records or corrects a reward; audited. A named campaign must exist.
    #[tracing::instrument(skip_all)]
    pub async fn edu_reward_save(
        &self,
        actor: &Actor,
        id: Option<i64>,
        w: &Reward,
    ) -> StoreResult<RewardRow> {
        if let Some(c) = w.campaign_id
            && self.edu_campaign(c).await.is_err()
        {
            return Err(StoreError::invalid("edu.campaign_id", "edu.error_choice"));
        }
        let before = match id {
            Some(id) => Some(self.edu_reward(id).await?),
            None => None,
        };
        let mut tx = self.db.begin().await?;
        let args = params![
            w.recipient_kind.clone(),
            w.recipient.clone(),
            w.form.clone(),
            w.decision_no.clone(),
            w.decided_on.to_string(),
            w.issuer.clone(),
            w.reason.clone(),
            w.campaign_id,
            now_us()
        ];
        let id = match id {
            None => {
                tx.insert_id(
                    "INSERT INTO edu_rewards (recipient_kind, recipient, form, decision_no, decided_on, issuer,
                       reason, campaign_id, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    &args,
                )
                .await?
            }
            Some(id) => {
                let mut args = args[..8].to_vec();
                args.push(id.into());
                tx.execute(
                    "UPDATE edu_rewards SET recipient_kind = $1, recipient = $2, form = $3, decision_no = $4,
                       decided_on = $5, issuer = $6, reason = $7, campaign_id = $8 WHERE id = $9",
                    &args,
                )
                .await?;
                id
            }
        };
        let after = reward(
            &tx.fetch_one(
                &format!("SELECT {REWARD_COLS} FROM edu_rewards WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        let action = if before.is_some() {
            "edu.reward_update"
        } else {
            "edu.reward_create"
        };
        append(
            &mut tx,
            actor.entry(
                action,
                "edu_reward",
                id,
                before.as_ref().map(json).unwrap_or_default(),
                json(&after),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn edu_reward(&self, id: i64) -> StoreResult<RewardRow> {
        self.db
            .fetch_optional(
                &format!("SELECT {REWARD_COLS} FROM edu_rewards WHERE id = $1"),
                &params![id],
            )
            .await?
            .map(|r| reward(&r))
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    /// Rewards, latest decision first.
    pub async fn edu_rewards(&self) -> StoreResult<Vec<RewardRow>> {
        self.db
            .fetch_all(
                &format!(
                    "SELECT {REWARD_COLS} FROM edu_rewards ORDER BY decided_on DESC, id DESC LIMIT 500"
                ),
                &[],
            )
            .await?
            .iter()
            .map(reward)
            .collect()
    }
}
