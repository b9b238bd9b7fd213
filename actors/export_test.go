package actors

import (
	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/storage"
)

// SetBeforeExecute installs a hook that runs before each command (tests).
func SetBeforeExecute(c *Config, f func(w *domain.Wedding, cmd domain.Command)) { c.beforeExecute = f }

// LoadWedding exposes recovery (snapshot + journal tail) to benchmarks.
func LoadWedding(db *storage.DB, id string) (*domain.Wedding, uint64, error) {
	return loadWedding(db, id, zerolog.Nop())
}
