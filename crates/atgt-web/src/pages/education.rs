//! Traffic-safety education (II.3). Public pages (no login): lessons and news, the
//! quiz scored on the server (no answer is stored, only counters), campaigns with their
//! reach. Staff pages: create and edit lessons, news, questions, campaigns and rewards
//! (`EducationManage`; reading them needs `EducationRead`); every change is audited by
//! the store. Validation errors name the field in the user's language.

use crate::auth::Current;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::education::{
    self as edu, ArticleInput, CampaignInput, QuestionInput, Refusal, RewardInput,
};
use atgt_core::i18n::Lang;
use atgt_store::education::{ArticleRow, CampaignRow, QuestionRow, QuizTotals, RewardRow};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;

/// A submitted form: the last value of each field (radio groups, text).
#[derive(Debug, Default, Clone)]
pub struct Form(pub HashMap<String, String>);

impl Form {
    fn parse(body: &[u8]) -> AppResult<Form> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| AppError::invalid("form", "error.bad_request"))?;
        Ok(Form(pairs.into_iter().collect()))
    }
    pub fn v(&self, k: &str) -> &str {
        self.0.get(k).map(String::as_str).unwrap_or("")
    }
    fn on(&self, k: &str) -> bool {
        !self.v(k).is_empty()
    }
    /// A whole number (thousands separators accepted); empty is 0.
    fn int(&self, k: &str, field: &str) -> AppResult<i64> {
        let s: String = self
            .v(k)
            .chars()
            .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
            .collect();
        if s.is_empty() {
            return Ok(0);
        }
        s.parse()
            .map_err(|_| AppError::invalid(field, "edu.error_count"))
    }
}

fn refused(r: Refusal) -> AppError {
    AppError::invalid(r.field, r.key)
}

/// A refusal's message for the form, or the error itself when it is not a refusal.
fn message(e: AppError, lang: Lang) -> AppResult<String> {
    match e {
        AppError::Invalid { .. } => Ok(e.message(lang)),
        e => Err(e),
    }
}

fn unprocessable(r: AppResult<Response>) -> AppResult<Response> {
    let mut r = r?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

fn dmy(iso: &str) -> String {
    atgt_core::time::parse_date(iso)
        .map(atgt_core::time::format_date)
        .unwrap_or_else(|| iso.to_string())
}

fn today() -> String {
    atgt_core::time::format_date(atgt_core::time::local_date(jiff::Timestamp::now()))
}

// =================================================================================
// Public pages

#[derive(Template)]
#[template(path = "education/public_list.html")]
struct PublicListView {
    ctx: PageCtx,
    lessons: Vec<ArticleRow>,
    news: Vec<ArticleRow>,
}

/// `/public/education`: lessons and news, newest first.
pub async fn public_list(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let v = PublicListView {
        lessons: st.store.edu_articles(Some("lesson"), true).await?,
        news: st.store.edu_articles(Some("news"), true).await?,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "education/public_article.html")]
struct PublicArticleView {
    ctx: PageCtx,
    a: ArticleRow,
    paragraphs: Vec<String>,
}

/// `/public/education/{id}`: one published lesson or news item.
pub async fn public_article(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = st.store.edu_article(id).await?;
    if !a.published {
        return Err(AppError::NotFound);
    }
    let v = PublicArticleView {
        paragraphs: a
            .body
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        a,
        ctx,
    };
    render(&v.ctx, &v)
}

/// A question with the choice made and whether it was right (after scoring).
pub struct QuizLine {
    pub q: QuestionRow,
    pub chosen: Option<usize>,
    pub right: bool,
}

#[derive(Template)]
#[template(path = "education/quiz.html")]
struct QuizView {
    ctx: PageCtx,
    lines: Vec<QuizLine>,
    scored: bool,
    score: usize,
}

/// `/public/quiz`: the active questions.
pub async fn quiz(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let lines = st
        .store
        .edu_questions(true)
        .await?
        .into_iter()
        .map(|q| QuizLine {
            q,
            chosen: None,
            right: false,
        })
        .collect();
    let v = QuizView {
        ctx,
        lines,
        scored: false,
        score: 0,
    };
    render(&v.ctx, &v)
}

/// `POST /public/quiz`: scores on the server and explains each answer. Only the
/// counters move: no answer, address or time of day is kept (the per-client allowance
/// of counted submissions lives in memory only).
pub async fn quiz_submit(
    State(st): State<AppState>,
    crate::pages::portal::ClientAddr(client): crate::pages::portal::ClientAddr,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let qs = st.store.edu_questions(true).await?;
    let answers: Vec<Option<usize>> = qs
        .iter()
        .map(|q| {
            f.v(&format!("q{}", q.id))
                .parse::<usize>()
                .ok()
                .filter(|i| *i < q.options.len())
        })
        .collect();
    let checked: Vec<edu::Question> = qs
        .iter()
        .map(|q| edu::Question {
            position: q.position,
            question: q.question.clone(),
            options: q.options.clone(),
            correct: q.correct,
            explanation: q.explanation.clone(),
            active: q.active,
        })
        .collect();
    let results = edu::score(&checked, &answers);
    // Every submission is scored; only those within the client's allowance are counted.
    let counted = st.quiz_counter.check(client) == crate::portal::Verdict::Allowed;
    if !qs.is_empty() && counted {
        let day = atgt_core::time::local_date(jiff::Timestamp::now()).to_string();
        let counts: Vec<(i64, bool)> = qs.iter().zip(&results).map(|(q, r)| (q.id, *r)).collect();
        st.store.edu_quiz_count(&day, &counts).await?;
    }
    let score = results.iter().filter(|r| **r).count();
    let lines = qs
        .into_iter()
        .zip(answers)
        .zip(results)
        .map(|((q, chosen), right)| QuizLine { q, chosen, right })
        .collect();
    let v = QuizView {
        ctx,
        lines,
        scored: true,
        score,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "education/public_campaigns.html")]
struct PublicCampaignsView {
    ctx: PageCtx,
    campaigns: Vec<CampaignRow>,
}

/// `/public/campaigns`: published campaigns with their reach.
pub async fn public_campaigns(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let v = PublicCampaignsView {
        campaigns: st.store.edu_campaigns(true).await?,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "education/public_campaign.html")]
struct PublicCampaignView {
    ctx: PageCtx,
    c: CampaignRow,
}

/// `/public/campaigns/{id}`: one published campaign.
pub async fn public_campaign(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let c = st.store.edu_campaign(id).await?;
    if !c.published {
        return Err(AppError::NotFound);
    }
    let v = PublicCampaignView { ctx, c };
    render(&v.ctx, &v)
}

// =================================================================================
// Staff pages

#[derive(Template)]
#[template(path = "education/staff.html")]
struct StaffView {
    ctx: PageCtx,
    articles: Vec<ArticleRow>,
    questions: Vec<QuestionRow>,
    campaigns: Vec<CampaignRow>,
    rewards: Vec<RewardRow>,
    totals: QuizTotals,
    average: String,
}

impl StaffView {
    fn campaign_name(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.campaigns.iter().find(|c| c.id == id))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    }
}

/// `/education`: everything recorded, with the quiz counters.
pub async fn staff(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let totals = st.store.edu_quiz_totals().await?;
    let average = if totals.submissions > 0 {
        format!(
            "{:.1}",
            totals.score_total as f64 / totals.submissions as f64
        )
    } else {
        "—".into()
    };
    let v = StaffView {
        articles: st.store.edu_articles(None, false).await?,
        questions: st.store.edu_questions(false).await?,
        campaigns: st.store.edu_campaigns(false).await?,
        rewards: st.store.edu_rewards().await?,
        totals,
        average,
        ctx,
    };
    render(&v.ctx, &v)
}

/// Which record a staff form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Article,
    Question,
    Campaign,
    Reward,
}

impl Entity {
    fn base(self) -> &'static str {
        match self {
            Entity::Article => "/education/articles",
            Entity::Question => "/education/questions",
            Entity::Campaign => "/education/campaigns",
            Entity::Reward => "/education/rewards",
        }
    }
    fn title_key(self) -> &'static str {
        match self {
            Entity::Article => "edu.new_article",
            Entity::Question => "edu.new_question",
            Entity::Campaign => "edu.new_campaign",
            Entity::Reward => "edu.new_reward",
        }
    }
}

#[derive(Template)]
#[template(path = "education/form.html")]
struct FormView {
    ctx: PageCtx,
    entity: Entity,
    action: String,
    f: Form,
    error: Option<String>,
    campaigns: Vec<CampaignRow>,
}

impl FormView {
    fn is(&self, e: &str) -> bool {
        match self.entity {
            Entity::Article => e == "article",
            Entity::Question => e == "question",
            Entity::Campaign => e == "campaign",
            Entity::Reward => e == "reward",
        }
    }
    fn sel(&self, k: &str, v: &str) -> bool {
        self.f.v(k) == v
    }
    fn sel_id(&self, k: &str, id: &i64) -> bool {
        self.f.v(k) == id.to_string()
    }
    fn audiences(&self) -> &'static [&'static str] {
        edu::AUDIENCES
    }
    fn kinds(&self) -> &'static [&'static str] {
        edu::ARTICLE_KINDS
    }
    fn forms(&self) -> &'static [&'static str] {
        edu::REWARD_FORMS
    }
    fn recipients(&self) -> &'static [&'static str] {
        edu::RECIPIENT_KINDS
    }
}

async fn form_page(
    st: &AppState,
    ctx: PageCtx,
    entity: Entity,
    id: Option<i64>,
    f: Form,
    error: Option<String>,
) -> AppResult<Response> {
    let action = match id {
        Some(id) => format!("{}/{id}", entity.base()),
        None => entity.base().to_string(),
    };
    let campaigns = if entity == Entity::Reward {
        st.store.edu_campaigns(false).await?
    } else {
        Vec::new()
    };
    let v = FormView {
        ctx,
        entity,
        action,
        f,
        error,
        campaigns,
    };
    render(&v.ctx, &v)
}

/// The stored record as form values.
async fn current(st: &AppState, entity: Entity, id: i64) -> AppResult<Form> {
    let mut m = HashMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    match entity {
        Entity::Article => {
            let a = st.store.edu_article(id).await?;
            put("kind", a.kind);
            put("title", a.title);
            put("summary", a.summary);
            put("body", a.body);
            put("audience", a.audience);
            put("published_on", dmy(&a.published_on));
            if a.published {
                put("published", "1".into());
            }
        }
        Entity::Question => {
            let q = st.store.edu_question(id).await?;
            put("position", q.position.to_string());
            put("question", q.question);
            put("options", q.options.join("\n"));
            put("correct", (q.correct + 1).to_string());
            put("explanation", q.explanation);
            if q.active {
                put("active", "1".into());
            }
        }
        Entity::Campaign => {
            let c = st.store.edu_campaign(id).await?;
            put("name", c.name);
            put("description", c.description);
            put("starts_on", dmy(&c.starts_on));
            put("ends_on", dmy(&c.ends_on));
            put("units", c.units);
            put("audience", c.audience);
            put("schools", c.schools.to_string());
            put("students", c.students.to_string());
            put("participants", c.participants.to_string());
            if c.published {
                put("published", "1".into());
            }
        }
        Entity::Reward => {
            let w = st.store.edu_reward(id).await?;
            put("recipient_kind", w.recipient_kind);
            put("recipient", w.recipient);
            put("form", w.form);
            put("decision_no", w.decision_no);
            put("decided_on", dmy(&w.decided_on));
            put("issuer", w.issuer);
            put("reason", w.reason);
            if let Some(c) = w.campaign_id {
                put("campaign_id", c.to_string());
            }
        }
    }
    Ok(Form(m))
}

fn blank(entity: Entity) -> Form {
    let mut m = HashMap::new();
    match entity {
        Entity::Article => {
            m.insert("kind".into(), "lesson".into());
            m.insert("audience".into(), "students".into());
            m.insert("published_on".into(), today());
            m.insert("published".into(), "1".into());
        }
        Entity::Question => {
            m.insert("active".into(), "1".into());
            m.insert("position".into(), "1".into());
        }
        Entity::Campaign => {
            m.insert("audience".into(), "students".into());
            m.insert("published".into(), "1".into());
        }
        Entity::Reward => {
            m.insert("recipient_kind".into(), "unit".into());
            m.insert("form".into(), "giay_khen".into());
            m.insert("decided_on".into(), today());
        }
    }
    Form(m)
}

/// Checks and saves a submitted form.
async fn save(
    st: &AppState,
    cur: &Current,
    entity: Entity,
    id: Option<i64>,
    f: &Form,
) -> AppResult<()> {
    let actor = cur.0.actor();
    match entity {
        Entity::Article => {
            let a = ArticleInput {
                kind: f.v("kind").into(),
                title: f.v("title").into(),
                summary: f.v("summary").into(),
                body: f.v("body").into(),
                audience: f.v("audience").into(),
                published_on: f.v("published_on").into(),
                published: f.on("published"),
            }
            .check()
            .map_err(refused)?;
            st.store.edu_article_save(&actor, id, &a).await?;
        }
        Entity::Question => {
            let q = QuestionInput {
                position: f.int("position", "edu.position")?,
                question: f.v("question").into(),
                options: f.v("options").into(),
                correct: f.v("correct").into(),
                explanation: f.v("explanation").into(),
                active: f.on("active"),
            }
            .check()
            .map_err(refused)?;
            st.store.edu_question_save(&actor, id, &q).await?;
        }
        Entity::Campaign => {
            let c = CampaignInput {
                name: f.v("name").into(),
                description: f.v("description").into(),
                starts_on: f.v("starts_on").into(),
                ends_on: f.v("ends_on").into(),
                units: f.v("units").into(),
                audience: f.v("audience").into(),
                schools: f.int("schools", "edu.schools")?,
                students: f.int("students", "edu.students")?,
                participants: f.int("participants", "edu.participants")?,
                published: f.on("published"),
            }
            .check()
            .map_err(refused)?;
            st.store.edu_campaign_save(&actor, id, &c).await?;
        }
        Entity::Reward => {
            let campaign_id = match f.v("campaign_id").trim() {
                "" => None,
                s => Some(
                    s.parse::<i64>()
                        .map_err(|_| AppError::invalid("edu.campaign_id", "edu.error_choice"))?,
                ),
            };
            let w = RewardInput {
                recipient_kind: f.v("recipient_kind").into(),
                recipient: f.v("recipient").into(),
                form: f.v("form").into(),
                decision_no: f.v("decision_no").into(),
                decided_on: f.v("decided_on").into(),
                issuer: f.v("issuer").into(),
                reason: f.v("reason").into(),
                campaign_id,
            }
            .check()
            .map_err(refused)?;
            st.store.edu_reward_save(&actor, id, &w).await?;
        }
    }
    Ok(())
}

async fn new_form(st: AppState, ctx: PageCtx, entity: Entity) -> AppResult<Response> {
    form_page(&st, ctx, entity, None, blank(entity), None).await
}

async fn edit_form(st: AppState, ctx: PageCtx, entity: Entity, id: i64) -> AppResult<Response> {
    let f = current(&st, entity, id).await?;
    form_page(&st, ctx, entity, Some(id), f, None).await
}

async fn submit(
    st: AppState,
    cur: Current,
    ctx: PageCtx,
    entity: Entity,
    id: Option<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    if let Some(id) = id {
        // Editing something that does not exist is a 404, not a validation error.
        current(&st, entity, id).await?;
    }
    match save(&st, &cur, entity, id, &f).await {
        Ok(()) => Ok(redirect_with_flash("/education", "common.saved")),
        Err(e) => {
            let msg = message(e, ctx.lang)?;
            unprocessable(form_page(&st, ctx, entity, id, f, Some(msg)).await)
        }
    }
}

macro_rules! entity_handlers {
    ($entity:expr, $new:ident, $create:ident, $edit:ident, $update:ident) => {
        pub async fn $new(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
            new_form(st, ctx, $entity).await
        }
        pub async fn $create(
            State(st): State<AppState>,
            cur: Current,
            ctx: PageCtx,
            body: Bytes,
        ) -> AppResult<Response> {
            submit(st, cur, ctx, $entity, None, body).await
        }
        pub async fn $edit(
            State(st): State<AppState>,
            ctx: PageCtx,
            Path(id): Path<i64>,
        ) -> AppResult<Response> {
            edit_form(st, ctx, $entity, id).await
        }
        pub async fn $update(
            State(st): State<AppState>,
            cur: Current,
            ctx: PageCtx,
            Path(id): Path<i64>,
            body: Bytes,
        ) -> AppResult<Response> {
            submit(st, cur, ctx, $entity, Some(id), body).await
        }
    };
}

entity_handlers!(
    Entity::Article,
    article_new,
    article_create,
    article_edit,
    article_update
);
entity_handlers!(
    Entity::Question,
    question_new,
    question_create,
    question_edit,
    question_update
);
entity_handlers!(
    Entity::Campaign,
    campaign_new,
    campaign_create,
    campaign_edit,
    campaign_update
);
entity_handlers!(
    Entity::Reward,
    reward_new,
    reward_create,
    reward_edit,
    reward_update
);

// Helpers the templates call.

impl PublicListView {
    fn d(&self, iso: &str) -> String {
        dmy(iso)
    }
}
impl PublicArticleView {
    fn d(&self, iso: &str) -> String {
        dmy(iso)
    }
}
impl PublicCampaignsView {
    fn d(&self, iso: &str) -> String {
        dmy(iso)
    }
}
impl PublicCampaignView {
    fn d(&self, iso: &str) -> String {
        dmy(iso)
    }
}
impl StaffView {
    fn d(&self, iso: &str) -> String {
        dmy(iso)
    }
    fn totals_text(&self) -> String {
        atgt_core::i18n::tf(
            self.ctx.lang,
            "edu.quiz_totals",
            &[
                ("n", &self.totals.submissions.to_string()),
                ("avg", &self.average),
            ],
        )
    }
}
impl QuizView {
    fn score_text(&self) -> String {
        atgt_core::i18n::tf(
            self.ctx.lang,
            "edu.quiz_score",
            &[
                ("right", &self.score.to_string()),
                ("total", &self.lines.len().to_string()),
            ],
        )
    }
}
impl QuizLine {
    pub fn right_option(&self) -> String {
        self.q
            .options
            .get(self.q.correct)
            .cloned()
            .unwrap_or_default()
    }
}
