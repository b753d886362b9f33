"""khdesk — công tác phát triển đảng viên, ngoại tuyến."""

__version__ = "0.1.0"
