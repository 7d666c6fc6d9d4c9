"""Things every layer needs and that know nothing of Dash or the database: settings, time, i18n, errors."""
