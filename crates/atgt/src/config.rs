//! Configuration, in layers that override each other in this order: compiled
//! defaults, the TOML file (`--config FILE` or `ATGT_CONFIG`), `ATGT_` environment
//! variables (`__` separates nested keys: `ATGT_WEB__SECURE_COOKIES=false`), then
//! command-line flags.

use anyhow::Context;
use atgt_web::WebConfig;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` (embedded default) or `postgres://USER:PASS@HOST/DB`.
    pub database: String,
    /// Address the server listens on.
    pub listen: String,
    pub log: LogConfig,
    pub web: WebConfig,
    // plans follow-up (issue 7): reminder e-mails
    /// SMTP relay for reminder e-mails (plain SMTP, no TLS); empty: in-app reminders only.
    pub smtp_host: String,
    /// Port of the SMTP relay.
    pub smtp_port: u16,
    /// Sender address of reminder e-mails.
    pub smtp_from: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (default) or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `atgt_web=debug,info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "text".into(),
            level: "info".into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: "sqlite://atgt-data/atgt.db".into(),
            listen: "127.0.0.1:8080".into(),
            log: LogConfig::default(),
            web: WebConfig::default(),
            // plans follow-up (issue 7)
            smtp_host: String::new(),
            smtp_port: 25,
            smtp_from: "atgt@localhost".into(),
        }
    }
}

/// The config keys the environment may set (for the unknown-variable warning).
const KNOWN_ENV: &[&str] = &[
    "ATGT_CONFIG",
    "ATGT_DATABASE",
    "ATGT_LISTEN",
    "ATGT_LOG__FORMAT",
    "ATGT_LOG__LEVEL",
    "ATGT_TEST_PG_URL",
    "ATGT_TEST_SQLITE_ONLY",
    "ATGT_PG_PORT",
    "ATGT_PG_DATA",
    // plans follow-up (issue 7)
    "ATGT_SMTP_HOST",
    "ATGT_SMTP_PORT",
    "ATGT_SMTP_FROM",
];

impl Config {
    /// Loads the layers; `file` is the `--config` flag.
    pub fn load(file: Option<&PathBuf>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        let path = file
            .cloned()
            .or_else(|| std::env::var_os("ATGT_CONFIG").map(PathBuf::from));
        if let Some(p) = &path {
            if !p.exists() {
                anyhow::bail!("config file {} does not exist", p.display());
            }
            fig = fig.merge(Toml::file(p));
        }
        // Only the keys of the configuration: other ATGT_ variables (test and bench
        // settings, typos) are warned about at start, not fatal.
        fig = fig.merge(Env::prefixed("ATGT_").split("__").filter(|k| {
            let k = k.as_str().to_ascii_lowercase();
            k == "database"
                || k == "listen"
                || k.starts_with("smtp_")
                || k.starts_with("log.")
                || k.starts_with("web.")
        }));
        let cfg: Config = fig
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        Ok(cfg)
    }

    /// Names of `ATGT_` variables no setting reads (typos, stale names).
    pub fn unknown_env() -> Vec<String> {
        let web_keys: Vec<String> = serde_json::to_value(WebConfig::default())
            .ok()
            .and_then(|v| {
                v.as_object().map(|o| {
                    o.keys()
                        .map(|k| format!("ATGT_WEB__{}", k.to_uppercase()))
                        .collect()
                })
            })
            .unwrap_or_default();
        std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("ATGT_"))
            .filter(|k| !KNOWN_ENV.contains(&k.as_str()) && !web_keys.contains(k))
            .collect()
    }

    /// The example file `atgt config default` prints.
    pub fn example() -> anyhow::Result<String> {
        let body = toml_string(&Config::default())?;
        Ok(format!(
            "# atgt configuration. Every key may also be set as an ATGT_ environment variable\n\
             # (nested keys joined by __, e.g. ATGT_WEB__SECURE_COOKIES=false); the environment\n\
             # overrides this file, and command-line flags override both.\n\n{body}"
        ))
    }

    /// The SMTP relay for reminder e-mails, when one is configured.
    pub fn smtp(&self) -> Option<atgt_web::smtp::SmtpConfig> {
        (!self.smtp_host.trim().is_empty()).then(|| atgt_web::smtp::SmtpConfig {
            host: self.smtp_host.trim().to_string(),
            port: self.smtp_port,
            from: self.smtp_from.trim().to_string(),
        })
    }

    /// The configuration with any database password hidden.
    pub fn redacted(&self) -> Config {
        let mut c = self.clone();
        c.database = atgt_store::db::redact_url(&c.database);
        c
    }
}

fn toml_string(c: &Config) -> anyhow::Result<String> {
    // figment's TOML provider reads; serialising goes through serde_json to a TOML-ish
    // table writer kept small here (flat keys and one level of tables).
    let v = serde_json::to_value(c).context("serialise config")?;
    let mut top = String::new();
    let mut tables = String::new();
    if let Some(o) = v.as_object() {
        for (k, v) in o {
            match v {
                serde_json::Value::Object(inner) => {
                    tables.push_str(&format!("\n[{k}]\n"));
                    for (ik, iv) in inner {
                        match iv {
                            serde_json::Value::Null => tables.push_str(&format!("# {ik} = \"\"\n")),
                            other => tables.push_str(&format!("{ik} = {other}\n")),
                        }
                    }
                }
                other => top.push_str(&format!("{k} = {other}\n")),
            }
        }
    }
    Ok(format!("{top}{tables}"))
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
mod tests {
    use super::*;

    #[test]
    fn example_parses_back() {
        let text = Config::example().unwrap();
        let parsed: Config = Figment::from(Toml::string(&text)).extract().unwrap();
        assert_eq!(parsed.listen, Config::default().listen);
        assert_eq!(parsed.web.session_idle_minutes, 120);
    }

    #[test]
    fn file_then_env_override() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "atgt.toml",
                "listen = \"127.0.0.1:9000\"\n[web]\nsecure_cookies = false\n",
            )?;
            jail.set_env("ATGT_LISTEN", "127.0.0.1:9100");
            let c = Config::load(Some(&PathBuf::from("atgt.toml"))).unwrap();
            assert_eq!(c.listen, "127.0.0.1:9100");
            assert!(!c.web.secure_cookies);
            Ok(())
        });
    }

    #[test]
    fn unknown_env_variables_do_not_stop_the_program() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ATGT_LISTNE", "127.0.0.1:1");
            jail.set_env("ATGT_WEB__SECURE_COOKIES", "false");
            let c = Config::load(None).unwrap();
            assert!(!c.web.secure_cookies);
            assert!(Config::unknown_env().contains(&"ATGT_LISTNE".to_string()));
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_errors() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "lisen = \"x\"\n")?;
            let e = Config::load(Some(&PathBuf::from("bad.toml"))).unwrap_err();
            assert!(e.to_string().contains("lisen"), "{e}");
            Ok(())
        });
    }
}
