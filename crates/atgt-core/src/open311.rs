//! The Open311 GeoReport v2 service list (wiki.open311.org/GeoReport_v2): what a
//! citizen or a partner application can report, the attributes each service asks for,
//! and the capability a report of that service is triaged into. Pure data; the web
//! layer renders it in JSON and XML.

use serde::Serialize;

/// Where an accepted report of a service goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// An encroachment case of the given kind.
    Encroachment(&'static str),
    /// The register of railway crossings.
    Crossing,
    /// A proposal (traffic organisation, hazard fix).
    Proposal(&'static str),
    /// Forwarded to traffic police (a violation report).
    Enforcement,
}

/// An attribute of a service definition.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Attribute {
    pub code: &'static str,
    /// string, number, datetime, text, singlevaluelist, multivaluelist.
    pub datatype: &'static str,
    pub required: bool,
    /// The i18n key of the description.
    pub description_key: &'static str,
    /// Allowed values (list datatypes): (key, i18n key of the name).
    pub values: &'static [(&'static str, &'static str)],
}

/// A service of the list.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Service {
    pub code: &'static str,
    /// The i18n key of the name; the description is `{name_key}_desc`.
    pub name_key: &'static str,
    /// The group (encroachment, railway, road, traffic, violation).
    pub group: &'static str,
    pub attributes: &'static [Attribute],
    pub target: Target,
}

const SIZE_VALUES: &[(&str, &str)] = &[
    ("small", "open311.value.small"),
    ("large", "open311.value.large"),
];
const VIOLATION_VALUES: &[(&str, &str)] = &[
    ("speeding", "open311.value.speeding"),
    ("red_light", "open311.value.red_light"),
    ("wrong_way", "open311.value.wrong_way"),
    ("no_helmet", "open311.value.no_helmet"),
    ("alcohol", "open311.value.alcohol"),
    ("overload", "open311.value.overload"),
    ("other", "open311.value.other"),
];

/// The service list, in display order.
pub const SERVICES: &[Service] = &[
    Service {
        code: "ENC-SIDEWALK",
        name_key: "open311.svc.enc_sidewalk",
        group: "encroachment",
        attributes: &[],
        target: Target::Encroachment("sidewalk"),
    },
    Service {
        code: "ENC-CORRIDOR",
        name_key: "open311.svc.enc_corridor",
        group: "encroachment",
        attributes: &[],
        target: Target::Encroachment("road_corridor"),
    },
    Service {
        code: "ENC-MARKET",
        name_key: "open311.svc.enc_market",
        group: "encroachment",
        attributes: &[],
        target: Target::Encroachment("market"),
    },
    Service {
        code: "ENC-STRUCTURE",
        name_key: "open311.svc.enc_structure",
        group: "encroachment",
        attributes: &[],
        target: Target::Encroachment("structure"),
    },
    Service {
        code: "RAIL-CROSSING",
        name_key: "open311.svc.rail_crossing",
        group: "railway",
        attributes: &[Attribute {
            code: "km",
            datatype: "number",
            required: false,
            description_key: "open311.attr.km",
            values: &[],
        }],
        target: Target::Crossing,
    },
    Service {
        code: "HAZ-POTHOLE",
        name_key: "open311.svc.haz_pothole",
        group: "road",
        attributes: &[Attribute {
            code: "size",
            datatype: "singlevaluelist",
            required: false,
            description_key: "open311.attr.size",
            values: SIZE_VALUES,
        }],
        target: Target::Proposal("hazard_fix"),
    },
    Service {
        code: "HAZ-SIGN",
        name_key: "open311.svc.haz_sign",
        group: "road",
        attributes: &[],
        target: Target::Proposal("hazard_fix"),
    },
    Service {
        code: "TRAFFIC-ORG",
        name_key: "open311.svc.traffic_org",
        group: "traffic",
        attributes: &[],
        target: Target::Proposal("traffic_organisation"),
    },
    Service {
        code: "VIOLATION",
        name_key: "open311.svc.violation",
        group: "violation",
        attributes: &[
            Attribute {
                code: "violation_kind",
                datatype: "singlevaluelist",
                required: true,
                description_key: "open311.attr.violation_kind",
                values: VIOLATION_VALUES,
            },
            Attribute {
                code: "plate",
                datatype: "string",
                required: false,
                description_key: "open311.attr.plate",
                values: &[],
            },
        ],
        target: Target::Enforcement,
    },
];

/// The service of a code.
pub fn service(code: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.code == code)
}

/// Checks the attributes given for a service: every required one present, list values
/// among the allowed ones, numbers parse, unknown codes refused. Returns the
/// attributes kept (in the service's order) or the offending code and an i18n key.
pub fn check_attributes(
    s: &Service,
    given: &[(String, String)],
) -> Result<Vec<(String, String)>, (String, &'static str)> {
    if let Some((c, _)) = given
        .iter()
        .find(|(c, _)| !s.attributes.iter().any(|a| a.code == c))
    {
        return Err((c.clone(), "open311.error.unknown_attribute"));
    }
    let mut out = Vec::new();
    for a in s.attributes {
        let v = given
            .iter()
            .find(|(c, _)| c == a.code)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty());
        match v {
            None if a.required => return Err((a.code.into(), "open311.error.attribute_required")),
            None => {}
            Some(v) => {
                let ok = match a.datatype {
                    "number" => v.parse::<f64>().is_ok_and(f64::is_finite),
                    "singlevaluelist" => a.values.iter().any(|(k, _)| *k == v),
                    _ => v.chars().count() <= 200,
                };
                if !ok {
                    return Err((a.code.into(), "open311.error.attribute_value"));
                }
                out.push((a.code.to_string(), v.to_string()));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_unique_and_kinds_known() {
        for (i, s) in SERVICES.iter().enumerate() {
            assert!(
                SERVICES[i + 1..].iter().all(|o| o.code != s.code),
                "{}",
                s.code
            );
            if let Target::Encroachment(k) = s.target {
                assert!(crate::hazards::ENCROACHMENT_KINDS.contains(&k));
            }
            if let Target::Proposal(k) = s.target {
                assert!(crate::hazards::PROPOSAL_KINDS.contains(&k));
            }
        }
        assert!(service("VIOLATION").is_some());
        assert!(service("NOPE").is_none());
    }

    #[test]
    fn attributes_checked() {
        let v = service("VIOLATION").unwrap();
        let e = check_attributes(v, &[]).unwrap_err();
        assert_eq!(
            e,
            ("violation_kind".into(), "open311.error.attribute_required")
        );
        let e = check_attributes(v, &[("violation_kind".into(), "flying".into())]).unwrap_err();
        assert_eq!(e.1, "open311.error.attribute_value");
        let e = check_attributes(v, &[("colour".into(), "red".into())]).unwrap_err();
        assert_eq!(e.1, "open311.error.unknown_attribute");
        let ok = check_attributes(
            v,
            &[
                ("plate".into(), "79A-123.45".into()),
                ("violation_kind".into(), "speeding".into()),
            ],
        )
        .unwrap();
        assert_eq!(ok[0], ("violation_kind".into(), "speeding".into()));
        let r = service("RAIL-CROSSING").unwrap();
        assert!(check_attributes(r, &[("km".into(), "1234,5".into())]).is_err());
        assert!(check_attributes(r, &[("km".into(), "1234.5".into())]).is_ok());
    }
}
