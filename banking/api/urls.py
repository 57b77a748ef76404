from rest_framework.routers import SimpleRouter

from banking.api.views import BankAccountViewSet, TransferViewSet

router = SimpleRouter()
router.register("bank-accounts", BankAccountViewSet, basename="bank-account")
router.register("transfers", TransferViewSet, basename="transfer")

urlpatterns = router.urls
