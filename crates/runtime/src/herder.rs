//! Herders decide what runs where (Kafka Connect's `Herder`); the [`Worker`] runs it. This
//! module holds what every herder does alike: validating a connector configuration (the
//! worker's keys, the class, the plugin's own `validate`) and describing plugins and
//! configuration keys in the REST API's terms.

mod standalone;

pub use standalone::StandaloneHerder;

use wasmconnect_api::{
    ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo, ConnectorType, HerderError, PluginDesc,
};
use wasmconnect_config::{ConfigKey, ConfigValue, Props};
use wasmconnect_sandbox::{Plugin, PluginKind};

use crate::config::{ConnectorConfig, connector_def};
use crate::plugins::PluginRegistry;
use crate::worker::Worker;

/// Source or sink, in the REST API's terms.
pub(crate) fn connector_type(kind: PluginKind) -> ConnectorType {
    match kind {
        PluginKind::Source => ConnectorType::Source,
        PluginKind::Sink => ConnectorType::Sink,
    }
}

/// A plugin as `GET /connector-plugins` lists it.
pub(crate) fn plugin_desc(p: &Plugin) -> PluginDesc {
    PluginDesc {
        class_name: p.class_name.clone(),
        kind: connector_type(p.kind),
        version: p.version.clone(),
    }
}

/// A key's definition as the REST API shows it.
pub(crate) fn key_info(k: &ConfigKey) -> ConfigKeyInfo {
    ConfigKeyInfo {
        name: k.name.clone(),
        type_name: k.config_type.name().to_owned(),
        required: k.is_required(),
        default_value: k.default_text().map(str::to_owned),
        importance: k.importance.name().to_owned(),
        documentation: k.documentation.clone(),
        group: k.group.clone(),
        width: k.width.name().to_owned(),
        display_name: k.display_name.clone(),
        dependents: k.dependents.clone(),
        order: k.order_in_group,
    }
}

/// A key's validation result as the REST API shows it.
fn value_info(v: ConfigValue) -> ConfigValueInfo {
    ConfigValueInfo {
        name: v.name,
        value: v.value,
        recommended_values: v.recommended_values,
        errors: v.errors,
        visible: v.visible,
    }
}

/// Checks a connector config: the worker's keys, the class, then the plugin's own
/// `validate` (in a throwaway instance). Returns the plugin and the parsed config, or every
/// problem found.
pub(crate) async fn validate(
    plugins: &PluginRegistry,
    worker: &dyn Worker,
    config: &Props,
) -> Result<(Plugin, ConnectorConfig), HerderError> {
    let mut errors: Vec<String> = Vec::new();
    let parsed = match ConnectorConfig::from_props(config) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e.messages());
            None
        }
    };
    let class = config.get("connector.class").cloned().unwrap_or_default();
    let plugin = if class.is_empty() {
        None
    } else {
        let p = plugins.find(&class);
        if p.is_none() {
            let known: Vec<String> = plugins.list().into_iter().map(|p| p.class_name).collect();
            errors.push(format!(
                "Invalid value {class} for configuration connector.class: Failed to find any class that implements Connector and which name matches {class}, available connectors are: {}",
                known.join(", ")
            ));
        }
        p
    };
    if let Some(plugin) = &plugin {
        if plugin.kind == PluginKind::Sink
            && let Some(parsed) = &parsed
        {
            if let Err(e) = parsed.check_sink() {
                errors.extend(e.messages());
            }
            if let Some(re) = &parsed.topics_regex
                && let Err(e) = regex::Regex::new(re)
            {
                errors.push(format!(
                    "Invalid value {re} for configuration topics.regex: {e}"
                ));
            }
        }
        if errors.is_empty() {
            let values = worker
                .validate_connector(plugin, config)
                .await
                .map_err(HerderError::ValidationFailed)?;
            errors.extend(values.into_iter().flat_map(|v| v.errors));
        }
    }
    match (plugin, parsed) {
        (Some(plugin), Some(parsed)) if errors.is_empty() => Ok((plugin, parsed)),
        // Without a parsed config or a plugin there is at least one error above.
        _ => Err(HerderError::InvalidConfig { errors }),
    }
}

/// `PUT /connector-plugins/{class}/config/validate`: the worker's connector keys and the
/// plugin's own, each with its definition and its validation result.
pub(crate) async fn validate_report(
    plugins: &PluginRegistry,
    worker: &dyn Worker,
    class: &str,
    mut config: Props,
) -> Result<ConfigInfos, HerderError> {
    if let Some(c) = config.get("connector.class")
        && c != class
        && plugins.find(c).map(|p| p.class_name) != plugins.find(class).map(|p| p.class_name)
    {
        return Err(HerderError::ConnectorClassMismatch);
    }
    let plugin = plugins
        .find(class)
        .ok_or_else(|| HerderError::UnknownConnectorClass(class.to_owned()))?;
    config
        .entry("connector.class".into())
        .or_insert_with(|| class.to_owned());
    let def = connector_def();
    let worker_values = def.validate(&config);
    let mut configs: Vec<ConfigInfo> = def
        .keys()
        .iter()
        .zip(worker_values)
        .map(|(k, v)| ConfigInfo {
            definition: key_info(k),
            value: value_info(v),
        })
        .collect();
    let values = worker
        .validate_connector(&plugin, &config)
        .await
        .map_err(HerderError::ValidationFailed)?;
    for key in plugin.config_def.iter() {
        let value = values
            .iter()
            .find(|v| v.name == key.name)
            .cloned()
            .unwrap_or_else(|| ConfigValue {
                name: key.name.clone(),
                value: config.get(&key.name).cloned(),
                recommended_values: Vec::new(),
                errors: Vec::new(),
                visible: true,
            });
        configs.push(ConfigInfo {
            definition: key_info(key),
            value: value_info(value),
        });
    }
    Ok(ConfigInfos::new(plugin.class_name, configs))
}
