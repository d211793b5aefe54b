"""Foundation: values and pure helpers every layer may import (phones, durations, settings, logs, metrics)."""
