"""Pages of cases and anchoring (being built; see the issue note)."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


case_list = upcoming = dashboard = case_detail = case_history = document_download = _todo
round_detail = meeting_list = meeting_detail = _todo
