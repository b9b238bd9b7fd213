package actors

import "github.com/parinayaos/engine/domain"

// SetBeforeExecute installs a hook that runs before each command (tests).
func SetBeforeExecute(c *Config, f func(w *domain.Wedding, cmd domain.Command)) { c.beforeExecute = f }
