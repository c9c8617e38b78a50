export default definePageConfig({ navigationBarTitleText: '临时额度' });
