//! The `atgt` command: serve the web UI and API, run the demo, migrate, manage users and
//! API keys, verify the audit chain, back up.

mod bench;
// events benchmark (issue 10)
mod bench_events;
// shared data hub benchmark (issue 8)
mod bench_hub;
mod config;
mod demo;
// hazards, Open311 and citizen reports (issue 9, part A)
mod demo_hazards;
mod demo_hub;
// hotspots: black-spot screening (issue 5)
mod screen;

use anyhow::{Context, bail};
use atgt_core::admin::Scheme;
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_core::i18n::Lang;
use atgt_store::Store;
use atgt_store::users::NewUser;
use atgt_web::AppState;
use clap::{Parser, Subcommand};
use config::Config;
use std::io::Read;
use std::path::PathBuf;

/// mimalloc instead of glibc's malloc: the import's checking thread allocates the rows
/// that its writing thread frees, and glibc serialised those frees on its arena locks
/// (a quarter of a 1M-crash import's profile was malloc, free and futex waits).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "atgt",
    version,
    about = "An toàn giao thông — traffic order and safety programme management"
)]
struct Cli {
    /// Configuration file (TOML). Also ATGT_CONFIG.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the web UI and the API.
    Serve {
        /// sqlite://PATH or postgres://… (overrides the config file).
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Apply pending migrations before serving.
        #[arg(long)]
        migrate: bool,
    },
    /// Seed (or reuse) the sample locality in a SQLite file and serve it on localhost.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Folder for the demo database.
        #[arg(long, default_value = "atgt-data")]
        data_dir: PathBuf,
    },
    /// Apply pending migrations and reference data.
    Migrate {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
    },
    /// Manage organisations and units.
    Org {
        #[command(subcommand)]
        cmd: OrgCmd,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Manage API keys of machine clients.
    Apikey {
        #[command(subcommand)]
        cmd: ApikeyCmd,
    },
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Import records from CSV or XLSX files.
    Import {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// Write a consistent copy of a running SQLite database.
    Backup {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        /// The copy to write (must not exist).
        #[arg(long)]
        output: PathBuf,
    },
    /// Benchmarks (see bench/).
    #[command(hide = true)]
    Bench {
        #[command(subcommand)]
        cmd: BenchCmd,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    // plans and accountability (issue 7)
    /// Plans and tasks: the urging (reminders, escalation).
    Plans {
        #[command(subcommand)]
        cmd: PlansCmd,
    },
    // hotspots: black-spot screening (issue 5)
    /// Spatial screening tools that need no database.
    Screen {
        #[command(subcommand)]
        cmd: ScreenCmd,
    },
    // Cameras and violation processing (issue 6)
    /// The camera register.
    Camera {
        #[command(subcommand)]
        cmd: CameraCmd,
    },
}

// Cameras and violation processing (issue 6)
#[derive(Subcommand)]
enum CameraCmd {
    /// Register (or update) a camera.
    Add {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// speed, red_light, anpr, surveillance, wim.
        #[arg(long, default_value = "speed")]
        kind: String,
        #[arg(long)]
        route: Option<String>,
        #[arg(long)]
        km: Option<f64>,
        #[arg(long)]
        lon: Option<f64>,
        #[arg(long)]
        lat: Option<f64>,
        #[arg(long, default_value = "")]
        direction: String,
        #[arg(long, default_value = "")]
        vendor: String,
    },
    /// Declare a section (average-speed control) from an entry to an exit camera.
    Section {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        #[arg(long)]
        entry: String,
        #[arg(long)]
        exit: String,
        #[arg(long)]
        length_m: f64,
    },
}

// hotspots: black-spot screening (issue 5)
#[derive(Subcommand)]
enum ScreenCmd {
    /// DBSCAN with metres on a CSV's lon,lat columns (scikit-learn semantics, haversine):
    /// one cluster label per input row, in input order, −1 for noise.
    Dbscan {
        /// Neighbourhood radius in metres.
        #[arg(long)]
        eps_m: f64,
        /// Points within eps (itself included) that make a core point.
        #[arg(long)]
        min_points: usize,
        /// The CSV file (header row with lon and lat; other columns ignored).
        file: PathBuf,
        /// Write the labels here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

// plans and accountability (issue 7)
#[derive(Subcommand)]
enum PlansCmd {
    /// Send the reminders due today: due soon and overdue to the lead unit, and to its
    /// superior once late by the escalation delay. Each reminder is recorded once.
    Remind {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        /// The instant to run as (RFC 3339, e.g. 2023-09-28T08:00:00+07:00); now by default.
        #[arg(long)]
        now: Option<String>,
        /// Days before a deadline when a task is "due soon".
        #[arg(long, default_value_t = 7)]
        due_soon_days: i64,
        /// Days late after which the lead unit's superior is told.
        #[arg(long, default_value_t = 7)]
        escalate_after_days: i64,
    },
    // plans follow-up (issue 7): reminder e-mails
    /// Set (or, with an empty --email, clear) the address a unit's reminders are mailed to.
    UnitEmail {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        /// The unit's code.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Import N synthetic crashes from a CSV and time the statistics.
    Crashes {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        #[arg(long, default_value_t = 100)]
        runs: usize,
        /// The CSV (written first if missing).
        #[arg(long)]
        csv: PathBuf,
    },
    // plans and accountability (issue 7)
    /// The seed plan plus N tasks, reports, and the urging at a fixed instant.
    Plans {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 2000)]
        tasks: usize,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    // events (issue 10)
    /// Occupancy reports (1 and 8 senders), congestion incidents and their statistics.
    Events {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 20_000)]
        incidents: usize,
        #[arg(long, default_value_t = 4_000)]
        reports: usize,
        #[arg(long, default_value_t = 50)]
        runs: usize,
    },
    // hotspots: black-spot screening (issue 5)
    /// Time the black-spot screening of the demo locality's 5 years.
    Spots {
        /// Also screen a locality with this many times the demo's crashes.
        #[arg(long, default_value_t = 50)]
        scale: u32,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    // Cameras and violation processing (issue 6)
    /// Send N synthetic reads over HTTP in batches to a running server (durable acks).
    Ingest {
        /// Base URL of the server, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        url: String,
        /// An API key with the `ingest` scope.
        #[arg(long, env = "ATGT_KEY")]
        key: String,
        #[arg(long, default_value_t = 1_000_000)]
        reads: usize,
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
        /// Concurrent requests.
        #[arg(long, default_value_t = 2)]
        clients: usize,
        /// Also write the same rows as CSV (for the sqlite3 .import comparison).
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Prefix of event ids (so runs do not collide).
        #[arg(long, default_value = "b")]
        prefix: String,
    },
    // shared data hub (issue 8)
    /// Bulk sync of N vehicle records over HTTP, then plate lookups under load.
    Hub {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 1_000_000)]
        vehicles: usize,
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
        #[arg(long, default_value_t = 20_000)]
        lookups: usize,
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Sync requests in flight at once (a partner's client sending in parallel).
        #[arg(long, default_value_t = 2)]
        senders: usize,
    },
    /// Section-speed matching of N synthetic reads in memory; writes them as CSV for
    /// the DuckDB comparison.
    Section {
        #[arg(long, default_value_t = 10_000_000)]
        reads: usize,
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// Crashes: canonical columns (see the README) or any layout through --mapping.
    /// Exit 0 when every row was taken, 3 when some rows were rejected (listed), 2 when
    /// --strict refused the file (nothing written).
    Crashes {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        /// The CSV or XLSX file.
        file: PathBuf,
        /// A mapping file (TOML) for other layouts, e.g. data/mappings/ireland.toml.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Check and report without writing.
        #[arg(long)]
        dry_run: bool,
        /// Reject the whole file if any row is bad.
        #[arg(long)]
        strict: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Violation cases carried over from the previous processing system: NDJSON, one
    /// case per line (ref, kind, plate, detected_at, behaviour, state, notice_at,
    /// fine_vnd, licence_no, source; see the README). All or nothing: exit 0 when every
    /// line was taken, 2 when a line was refused (each listed, nothing written).
    Cases {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum OrgCmd {
    /// Add an organisation or unit (the first one is needed before the first user).
    Add {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        /// Code, e.g. CA-KH (upper case, digits, - _ .).
        #[arg(long)]
        code: String,
        /// Name, e.g. "Công an tỉnh Khánh Hòa".
        #[arg(long)]
        name: String,
        /// party_committee, party_board, party_organisation, peoples_committee, department,
        /// police, front, mass_organisation, school, partner, other.
        #[arg(long)]
        kind: String,
        /// Administrative unit code, e.g. 56.
        #[arg(long)]
        admin_code: String,
        /// Map of the administrative code: new (default) or old.
        #[arg(long, default_value = "new")]
        admin_scheme: String,
        /// Code of the unit above.
        #[arg(long)]
        parent: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user. The password is read from standard input with --password-stdin,
    /// or generated and printed once.
    Add {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        #[arg(long)]
        username: String,
        /// Full name, e.g. "Nguyễn Văn An".
        #[arg(long)]
        name: String,
        /// admin, leader, focal_officer, unit_officer, police_officer, supervisor, analyst, auditor.
        #[arg(long)]
        role: String,
        /// Code of the user's unit.
        #[arg(long)]
        org: String,
        /// Administrative unit code limiting the user's data scope.
        #[arg(long)]
        scope: Option<String>,
        /// Map of the scope code: new (default) or old.
        #[arg(long, default_value = "new")]
        scope_scheme: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum ApikeyCmd {
    /// Create a key; it is printed once and only its hash is stored.
    Create {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        #[arg(long)]
        name: String,
        /// Scope (repeatable): reference:read, orgs:read, audit:read, metrics, ingest.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Code of the partner's unit.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Verify the whole chain; exits 0 when intact, 2 naming the first broken entry.
    Verify {
        #[arg(long, env = "ATGT_DATABASE")]
        database: Option<String>,
        /// A head recorded earlier (SEQ:HASH, as printed by verify): the chain must
        /// still contain it.
        #[arg(long)]
        expect_head: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Print an example configuration file with the defaults.
    Default,
}

fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&cfg.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cfg.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn db_url(flag: Option<String>, cfg: &Config) -> String {
    flag.unwrap_or_else(|| cfg.database.clone())
}

/// Ensures the folder of a SQLite file exists.
fn prepare_sqlite(url: &str) -> anyhow::Result<()> {
    if let Some(path) = url.strip_prefix("sqlite://")
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Ok(())
}

/// Resolves on SIGINT or SIGTERM. The handlers are registered when this is called,
/// not when the future is first polled, so a signal that arrives right after the
/// server announced itself is not lost (and does not kill the process unclean).
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
            tracing::info!("shutting down: finishing requests in flight");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

async fn serve(
    store: Store,
    cfg: &Config,
    listen: &str,
    banner: Option<String>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let shutdown = shutdown_signal()?;
    if let Some(b) = banner {
        println!("{}", b.replace("{url}", &format!("http://{addr}")));
    }
    tracing::info!(%addr, backend = ?store.backend(), "serving");
    let state = AppState::new(store.clone(), cfg.web.clone()).with_smtp(cfg.smtp());
    atgt_web::serve(listener, state, shutdown).await?;
    store.db.close().await;
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(cli.config.as_ref())?;
    init_logging(&cfg);
    tracing::debug!(config = ?cfg.redacted(), "configuration");
    for var in Config::unknown_env() {
        tracing::warn!(variable = %var, "ATGT_ variable not used by any setting");
    }
    match cli.cmd {
        Cmd::Serve {
            database,
            listen,
            migrate,
        } => {
            let url = db_url(database, &cfg);
            prepare_sqlite(&url)?;
            let store = if migrate {
                Store::open_migrated(&url).await?
            } else {
                Store::open_current(&url).await.map_err(|e| match e {
                    atgt_store::StoreError::PendingMigrations(n) => anyhow::anyhow!(
                        "the database has {n} pending migration(s). Run `atgt migrate --database {}` first, or start with `atgt serve --migrate`.",
                        atgt_store::db::redact_url(&url)
                    ),
                    e => e.into(),
                })?
            };
            let listen = listen.unwrap_or_else(|| cfg.listen.clone());
            serve(store, &cfg, &listen, Some("atgt: serving on {url}".into())).await?;
        }
        Cmd::Demo { listen, data_dir } => {
            std::fs::create_dir_all(&data_dir)
                .with_context(|| format!("cannot create {}", data_dir.display()))?;
            let url = format!("sqlite://{}", data_dir.join("demo.db").display());
            let store = Store::open_migrated(&url).await?;
            let seeded = demo::seed(&store).await?;
            let mut cfg = cfg.clone();
            cfg.web.sample_data = true;
            // The demo is served over plain HTTP on localhost.
            cfg.web.secure_cookies = false;
            cfg.web.files_dir = data_dir.join("files").display().to_string();
            let banner = demo::banner(&url, seeded);
            serve(store, &cfg, &listen, Some(banner)).await?;
        }
        Cmd::Migrate { database } => {
            let url = db_url(database, &cfg);
            prepare_sqlite(&url)?;
            let store = Store::connect(&url).await?;
            let done = atgt_store::migrate::run(&store.db).await?;
            println!(
                "{}: {} migration(s) and {} reference data set(s) applied.",
                atgt_store::db::redact_url(&url),
                done.migrations.len(),
                done.reference.len()
            );
        }
        Cmd::Org {
            cmd:
                OrgCmd::Add {
                    database,
                    code,
                    name,
                    kind,
                    admin_code,
                    admin_scheme,
                    parent,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            let o = store
                .org_create(
                    &Actor::system(),
                    &atgt_store::orgs::OrgInput {
                        code,
                        name,
                        short_name: String::new(),
                        kind,
                        admin_scheme,
                        admin_code,
                        parent_code: parent,
                        active: true,
                    },
                )
                .await
                .map_err(explain)?;
            println!("organisation {} (id {}) created: {}", o.code, o.id, o.name);
        }
        Cmd::User {
            cmd:
                UserCmd::Add {
                    database,
                    username,
                    name,
                    role,
                    org,
                    scope,
                    scope_scheme,
                    password_stdin,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            let role: Role = role.parse().map_err(|e| {
                anyhow::anyhow!("{e}; roles: {}", Role::ALL.map(|r| r.as_str()).join(", "))
            })?;
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                (s.trim_end_matches(['\n', '\r']).to_string(), false)
            } else {
                (atgt_web::auth::token::random(15), true)
            };
            let username = username.trim().to_lowercase();
            if let Err(k) = atgt_core::auth::check_password(&username, &password) {
                bail!("{}", atgt_core::i18n::t(Lang::Vi, k));
            }
            let scheme: Scheme = scope_scheme
                .parse()
                .map_err(|e: String| anyhow::anyhow!(e))?;
            let hash = atgt_web::auth::password::hash(&password)?;
            let u = store
                .user_create(
                    &Actor::system(),
                    &NewUser {
                        username,
                        display_name: name,
                        password_hash: hash,
                        role,
                        org_code: org,
                        scope: scope.map(|c| (scheme, c)),
                        locale: Lang::Vi,
                    },
                )
                .await
                .map_err(explain)?;
            println!(
                "user {} (id {}) created with role {}",
                u.username, u.id, u.role
            );
            if generated {
                println!("password (shown once): {password}");
            }
        }
        Cmd::Apikey {
            cmd:
                ApikeyCmd::Create {
                    database,
                    name,
                    scopes,
                    org,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            let (key, prefix) = atgt_web::auth::token::new_api_key();
            let k = store
                .apikey_create(
                    &Actor::system(),
                    &prefix,
                    &atgt_web::auth::token::sha256_hex(&key),
                    &name,
                    &scopes,
                    org.as_deref(),
                )
                .await
                .map_err(explain)?;
            println!(
                "API key {} (id {}) with scopes {}",
                k.name,
                k.id,
                k.scopes.join(" ")
            );
            println!("{key}");
            eprintln!("The key is shown once; only its hash is stored.");
        }
        Cmd::Audit {
            cmd:
                AuditCmd::Verify {
                    database,
                    expect_head,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            let v = store.audit_verify().await?;
            if let Some(b) = v.broken {
                eprintln!("audit chain BROKEN: {b}");
                return Ok(ExitCode::from(2));
            }
            if let Some(expect) = expect_head {
                let (seq, hash) = expect
                    .split_once(':')
                    .context("--expect-head takes SEQ:HASH")?;
                let seq: i64 = seq.parse().context("--expect-head: SEQ is a number")?;
                let found = store
                    .audit_list(&atgt_store::audit::AuditFilter {
                        before_seq: Some(seq + 1),
                        limit: 1,
                        ..Default::default()
                    })
                    .await?;
                if found.first().is_none_or(|e| e.seq != seq || e.hash != hash) {
                    eprintln!(
                        "audit chain BROKEN: the recorded head {seq}:{hash} is not in the chain"
                    );
                    return Ok(ExitCode::from(2));
                }
            }
            println!(
                "audit chain intact: {} entries, head {}:{}",
                v.entries, v.entries, v.head
            );
        }
        Cmd::Import {
            cmd:
                ImportCmd::Crashes {
                    database,
                    file,
                    mapping,
                    dry_run,
                    strict,
                    json,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            return import_crashes(&store, &file, mapping.as_deref(), dry_run, strict, json).await;
        }
        Cmd::Import {
            cmd:
                ImportCmd::Cases {
                    database,
                    file,
                    json,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let lines = atgt_store::enforcement::parse_imported_cases(&text);
            let report = store
                .cases_import(&Actor::system(), lines)
                .await
                .map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{} vụ việc đã chuyển, {} đã có từ trước, {} dòng bị từ chối",
                    report.imported,
                    report.unchanged,
                    report.rejected.len()
                );
                for e in &report.rejected {
                    let detail = if e.reason.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", e.reason)
                    };
                    println!(
                        "  dòng {}, trường {}: {}{detail}",
                        e.line,
                        e.field,
                        atgt_core::i18n::t(Lang::Vi, &e.key)
                    );
                }
                if !report.rejected.is_empty() {
                    println!("Tệp bị từ chối, không ghi vụ việc nào.");
                }
            }
            return Ok(if report.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            });
        }
        Cmd::Backup { database, output } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            let bytes = store.backup_to(&output).await.map_err(explain)?;
            println!("backup written to {} ({bytes} bytes)", output.display());
        }
        Cmd::Bench {
            cmd:
                BenchCmd::Crashes {
                    database,
                    rows,
                    runs,
                    csv,
                },
        } => {
            prepare_sqlite(&database)?;
            bench::crashes(&database, rows, runs, &csv).await?;
        }
        // plans and accountability (issue 7)
        Cmd::Bench {
            cmd:
                BenchCmd::Plans {
                    database,
                    tasks,
                    runs,
                },
        } => {
            prepare_sqlite(&database)?;
            bench::plans(&database, tasks, runs).await?;
        }
        // events (issue 10)
        Cmd::Bench {
            cmd:
                BenchCmd::Events {
                    database,
                    incidents,
                    reports,
                    runs,
                },
        } => {
            prepare_sqlite(&database)?;
            bench_events::events(&database, incidents, reports, runs).await?;
        }
        // shared data hub (issue 8)
        Cmd::Bench {
            cmd:
                BenchCmd::Hub {
                    database,
                    vehicles,
                    batch,
                    lookups,
                    clients,
                    senders,
                },
        } => {
            prepare_sqlite(&database)?;
            bench_hub::hub(&database, vehicles, batch, lookups, clients, senders).await?;
        }
        // Cameras and violation processing (issue 6)
        Cmd::Bench {
            cmd:
                BenchCmd::Ingest {
                    url,
                    key,
                    reads,
                    batch,
                    clients,
                    csv,
                    prefix,
                },
        } => {
            bench::ingest(&url, &key, reads, batch, clients, csv.as_deref(), &prefix).await?;
        }
        Cmd::Bench {
            cmd: BenchCmd::Section { reads, csv },
        } => {
            bench::section(reads, csv.as_deref())?;
        }
        Cmd::Camera {
            cmd:
                CameraCmd::Add {
                    database,
                    id,
                    name,
                    kind,
                    route,
                    km,
                    lon,
                    lat,
                    direction,
                    vendor,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            let c = store
                .camera_put(
                    &Actor::system(),
                    &atgt_store::enforcement::Camera {
                        id,
                        name,
                        kind,
                        route,
                        km,
                        lon,
                        lat,
                        direction,
                        owner_org_id: None,
                        vendor,
                        status: "active".into(),
                        last_seen_us: None,
                        uptime_pct: 0.0,
                    },
                )
                .await
                .map_err(explain)?;
            println!("camera {} registered: {}", c.id, c.name);
        }
        Cmd::Camera {
            cmd:
                CameraCmd::Section {
                    database,
                    entry,
                    exit,
                    length_m,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            store
                .section_put(&Actor::system(), &entry, &exit, length_m)
                .await
                .map_err(explain)?;
            println!("section {entry} → {exit} ({length_m} m) registered");
        }
        Cmd::Config {
            cmd: ConfigCmd::Default,
        } => {
            print!("{}", Config::example()?);
        }
        // plans and accountability (issue 7)
        Cmd::Plans {
            cmd:
                PlansCmd::Remind {
                    database,
                    now,
                    due_soon_days,
                    escalate_after_days,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            plans_remind(
                &store,
                now.as_deref(),
                due_soon_days,
                escalate_after_days,
                cfg.smtp().as_ref(),
            )
            .await?;
        }
        // plans follow-up (issue 7): reminder e-mails
        Cmd::Plans {
            cmd:
                PlansCmd::UnitEmail {
                    database,
                    unit,
                    email,
                },
        } => {
            let store = Store::open_current(&db_url(database, &cfg)).await?;
            store
                .org_email_set(&atgt_core::audit::Actor::system(), &unit, &email)
                .await
                .map_err(explain)?;
            println!(
                "{unit}: {}",
                if email.trim().is_empty() {
                    "-"
                } else {
                    email.trim()
                }
            );
        }
        // hotspots: black-spot screening (issue 5)
        Cmd::Screen {
            cmd:
                ScreenCmd::Dbscan {
                    eps_m,
                    min_points,
                    file,
                    output,
                },
        } => {
            screen::dbscan_cmd(eps_m, min_points, &file, output.as_deref())?;
        }
        Cmd::Bench {
            cmd: BenchCmd::Spots { scale, runs },
        } => {
            screen::bench_spots(scale, runs)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn import_crashes(
    store: &Store,
    file: &std::path::Path,
    mapping: Option<&std::path::Path>,
    dry_run: bool,
    strict: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    use indicatif::{ProgressBar, ProgressStyle};
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mapping_text = match mapping {
        Some(m) => Some(
            std::fs::read_to_string(m).with_context(|| format!("cannot read {}", m.display()))?,
        ),
        None => None,
    };
    let rows = atgt_web::tabular::parse_crashes_lazily(&bytes, mapping_text.as_deref()).map_err(
        |(k, a)| anyhow::anyhow!("{}", atgt_core::i18n::tf(Lang::Vi, &k, &[("code", &a)])),
    )?;
    let total = rows.len() as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} dòng ({per_sec}, còn {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message("nhập tai nạn");
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let report = store
        .crash_import(&Actor::system(), rows, &name, dry_run, strict, |n| {
            bar.set_position(n as u64)
        })
        .await
        .map_err(explain)?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}: {} dòng — thêm mới {}, cập nhật {}, trùng {}, bị từ chối {}{} ({:.1} s)",
            file.display(),
            report.rows,
            report.inserted,
            report.updated,
            report.duplicates,
            report.rejected.len(),
            if dry_run {
                " (chạy thử, không ghi)"
            } else {
                ""
            },
            secs
        );
        for e in &report.rejected {
            let msg =
                atgt_core::i18n::tf(Lang::Vi, &e.key, &[("code", &e.arg), ("field", &e.column)]);
            println!("  dòng {}, cột {}: {}", e.row, e.column, msg);
        }
        if strict && !report.rejected.is_empty() {
            println!("--strict: tệp bị từ chối, không ghi dòng nào.");
        }
    }
    Ok(if strict && !report.rejected.is_empty() {
        ExitCode::from(2)
    } else if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

// plans and accountability (issue 7)
async fn plans_remind(
    store: &Store,
    now: Option<&str>,
    due_soon_days: i64,
    escalate_after_days: i64,
    smtp: Option<&atgt_web::smtp::SmtpConfig>,
) -> anyhow::Result<()> {
    use atgt_core::plans::{FixedClock, UrgeConfig};
    let at: jiff::Timestamp = match now {
        Some(s) => s
            .parse()
            .with_context(|| format!("--now: not an RFC 3339 instant: {s}"))?,
        None => jiff::Timestamp::now(),
    };
    let cfg = UrgeConfig {
        due_soon_days,
        escalate_after_days,
    };
    let actor = atgt_core::audit::Actor::system();
    let sent = atgt_web::smtp::urge(store, &actor, &FixedClock(at), &cfg, smtp)
        .await
        .map_err(explain)?;
    for (r, mail) in &sent {
        let task = store.task(r.task_id).await?;
        let unit = store.org(r.org_id).await?;
        let mail = if mail == "not_configured" {
            "chưa cấu hình"
        } else {
            mail.as_str()
        };
        println!(
            "{}: #{} {} → {} ({} {}, {} ngày; thư điện tử: {mail})",
            atgt_core::i18n::t(Lang::Vi, &r.kind.label_key()),
            task.id,
            task.title,
            unit.name,
            atgt_core::i18n::t(Lang::Vi, "plans.deadline_key"),
            r.key,
            r.days
        );
    }
    println!(
        "{} nhắc việc mới ngày {}",
        sent.len(),
        atgt_core::plans::dmy(atgt_core::time::local_date(at))
    );
    Ok(())
}

/// A store error in words for the terminal (Vietnamese message, field named).
fn explain(e: atgt_store::StoreError) -> anyhow::Error {
    match e {
        atgt_store::StoreError::Invalid { field, key, arg } => anyhow::anyhow!(
            "{} ({field})",
            atgt_web::error::field_message(Lang::Vi, &field, &key, &arg)
        ),
        e => e.into(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("atgt: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("atgt: {e:#}");
            ExitCode::FAILURE
        }
    }
}
