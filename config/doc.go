// Package config is a run's configuration: the YAML file (every key optional, unknown
// keys refused with the allowed ones listed), presets, key=value overrides, and
// validation whose errors name the offending key.
package config
