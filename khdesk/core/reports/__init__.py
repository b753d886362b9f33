"""Printed output: the …-KNĐ forms, registers, lists and reports (ReportLab, Qt-free)."""
