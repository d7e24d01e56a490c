"""Database servers for the course, one module per vendor: `mariadb` (MariaDB or MySQL)."""
